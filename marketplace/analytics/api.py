"""Analytics endpoints."""

from ..http.blueprint import Blueprint

blp = Blueprint("analytics", __name__, url_prefix="/api/v1", description="Analytics")
