"""Builds the interface's message catalogues: extract every people-facing string, merge the translations,
compile. Run as ``marketplace translations``; ``missing()`` is what the catalogue test checks.

Strings come from gettext calls (``_``, ``gettext``, ``lazy_gettext``/``_l``, ``ngettext``) in Python
and templates, and from the messages of refusals raised by services (``ConflictError("...")``,
``InvalidInputError.at(path, "...")``, marshmallow's ``ValidationError("...")``), which pages show in
the reader's language. Vietnamese translations live in ``translations/vi/LC_MESSAGES/messages.po``
and, while an area is being written, in ``translations/vi/parts/*.po``, merged here.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ..settings import PROJECT_ROOT

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: gettext calls plus the constructors of refusals whose message a page may show
KEYWORDS = {
    **DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
    **{name: None for name in ("DomainError", "InvalidInputError", "NotFoundError", "ConflictError", "ForbiddenError",
                               "UnauthorizedError", "IllegalTransitionError", "LedgerError", "TooLargeError",
                               "ValidationError", "GatewayUnavailableError", "StripeNotConfiguredError")},
    "at": (2,),
}
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*_[a-z0-9_]*$")  # field names like min_qty
METHODS = [("marketplace/**.py", "python"), ("marketplace/web/templates/**.html", "jinja2")]
OPTIONS = {"marketplace/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def extract() -> Catalog:
    """Every people-facing message id in the code and templates."""
    catalog = Catalog(project="marketplace", charset="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):  # Babel warns of every f-string: those stay in English
        found = list(extract_from_dir(str(PROJECT_ROOT), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS,
                                      strip_comment_tags=True))
    for filename, lineno, message, comments, context in found:
        if not message or (isinstance(message, str) and IDENTIFIER.match(message)):
            continue  # a field name passed beside a message, not a message
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def translations(locale: str) -> dict:
    """msgid -> msgstr known for ``locale`` (the main catalogue, then the parts being written)."""
    known: dict = {}
    sources = [TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", *sorted((TRANSLATIONS / locale / "parts").glob("*.po"))]
    for path in sources:
        if path.exists():
            for message in _read(path, locale):
                if message.id and message.string and (not isinstance(message.string, tuple) or all(message.string)):
                    known[message.id] = message.string
    return known


def build(locale: str) -> list:
    """Write ``locale``'s messages.po and messages.mo from the extracted ids; returns the ids left untranslated."""
    template = extract()
    known = translations(locale)
    catalog = Catalog(locale=locale, project="marketplace", charset="utf-8")
    missing = []
    for message in template:
        if not message.id:
            continue
        string = known.get(message.id)
        if string is None and locale == "en":
            string = message.id  # English is the language of the message ids
        if string is None:
            missing.append(message.id)
        catalog.add(message.id, string, message.locations, flags=message.flags, context=message.context)
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.po").open("wb") as fh:
        write_po(fh, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False)
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    return missing


def missing(locale: str) -> list:
    """Message ids in the code or templates that ``locale``'s catalogue does not translate."""
    known = translations(locale)
    return [m.id for m in extract() if m.id and m.id not in known]
