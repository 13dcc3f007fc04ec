"""Pages: vendor. Onboarding, the catalog and its import, price lists, invitations and the open board,
quotes with their revisions, payouts. Every page calls the same services as the JSON API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web_vendor", __name__, url_prefix="/vendor")

# imported after ``bp`` exists, for their side effect: each module registers its routes on it
from . import catalog, onboarding, payouts, quotes  # noqa: E402, F401
