"""Pages: deals."""

from flask import Blueprint

bp = Blueprint("web_deals", __name__, url_prefix="/deals")
