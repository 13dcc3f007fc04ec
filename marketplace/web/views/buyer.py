"""Pages: buyer."""

from flask import Blueprint

bp = Blueprint("web_buyer", __name__, url_prefix="/buyer")
