"""Catalog order endpoints."""

from ..http.blueprint import Blueprint

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Catalog orders")
