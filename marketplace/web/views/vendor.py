"""Pages: vendor."""

from flask import Blueprint

bp = Blueprint("web_vendor", __name__, url_prefix="/vendor")
