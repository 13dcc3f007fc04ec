"""Pages: admin."""

from flask import Blueprint

bp = Blueprint("web_admin", __name__, url_prefix="/admin")
