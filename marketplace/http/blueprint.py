"""The flask-smorest Blueprint every API module uses: it parses arguments with :class:`ApiParser`."""

from flask_smorest import Blueprint as _SmorestBlueprint

from .arguments import ApiParser


class Blueprint(_SmorestBlueprint):
    """Arguments are parsed with the contract checks of :class:`ApiParser` (422, never a 500).

    ``@blp.arguments(Schema, location="form_and_files", content_type="multipart/form-data")`` documents
    an upload and its fields as ONE OpenAPI 3 ``multipart/form-data`` request body.
    """

    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **_SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }
