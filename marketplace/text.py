"""Text folding for search: Vietnamese (and other Latin) diacritics removed in Python, ``đ`` -> ``d``.

The embedded PostgreSQL has no ``unaccent``; folded text goes into stored columns that core
full-text search (the ``simple`` configuration) indexes.
"""

import re
import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "œ": "oe"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces: ``Máy cắt LASER`` -> ``may cat laser``."""
    if not text:
        return ""
    text = text.translate(_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", stripped).strip()


def tokens(text: str | None) -> list[str]:
    return fold(text).split()
