"""Pages: demo."""

from flask import Blueprint

bp = Blueprint("web_demo", __name__, url_prefix="/demo")
