"""Pages: buyer — catalog search and product pages, the RFQ builder, approvals, the RFQ page, comparison and award."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web_buyer", __name__, url_prefix="/buyer")

# imported after ``bp`` exists, for their side effect: each module registers its routes (and common its
# template context) on it
from . import award, common, rfqs, search  # noqa: E402, F401
