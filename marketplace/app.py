"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from .arguments import IdConverter
from .errors import register_error_handlers
from .extensions import api, db, limiter, migrate
from .idempotency import init_idempotency
from .settings import PROJECT_ROOT, load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands."""
    from . import embedded, models  # noqa: F401  (models: every table and transition table)

    settings = load_settings(config)
    embedded.resolve_services(settings)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["int"] = IdConverter  # ids beyond BIGINT match no route: 404, not a 500
    app.config.update(settings)
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"] or "dev-only-not-secret",
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
        API_TITLE="Marketplace API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",  # served from the swagger-ui-bundle package: works offline
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "A neutral B2B marketplace: vendors, RFQs, escrow, shipping, disputes."},
        },
    )

    app.config.setdefault("RATELIMIT_STORAGE_URI", _limits_storage(settings["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    db.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    api.init_app(app)
    _register_blueprints()
    register_error_handlers(app)  # after api.init_app: our envelope replaces flask-smorest's
    init_idempotency(app)

    import swagger_ui_bundle
    from flask import Blueprint

    app.register_blueprint(Blueprint("swagger_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path,
                                     static_url_path="/api/v1/docs/assets"))

    @app.teardown_request
    def _end_transaction(exc):
        # one transaction per request: whatever a request left uncommitted (a refused request) is
        # rolled back here, even when the app context outlives the request (tests, CLI)
        db.session.remove()

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def _limits_storage(redis_url: str) -> str:
    """Rate-limit counters live in the app's Redis, shared by every web worker."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that only matches ids PostgreSQL's BIGINT can hold: larger ones are a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints() -> None:
    from .accounts.api import blp as accounts
    from .deals.api import blp as deals
    from .disputes.api import blp as disputes
    from .escrow.api import blp as escrow
    from .escrow.admin_api import blp as escrow_admin
    from .escrow.stripe_api import blp as escrow_stripe
    from .notifications.api import blp as notifications
    from .rfq.api import blp as rfq
    from .shipping.api import blp as shipping
    from .vendors.api import blp as vendors

    for blueprint in (accounts, vendors, rfq, deals, escrow, escrow_admin, escrow_stripe, shipping, disputes, notifications):
        api.register_blueprint(blueprint)
