"""The flask-smorest Blueprint every API module uses: it parses arguments with :class:`ApiParser`."""

from flask_smorest import Blueprint as _SmorestBlueprint

from .arguments import ApiParser


class Blueprint(_SmorestBlueprint):
    """Arguments are parsed with the storability checks of :class:`ApiParser` (422, never a 500)."""

    ARGUMENTS_PARSER = ApiParser()
