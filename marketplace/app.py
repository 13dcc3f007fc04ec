"""The application factory: settings, extensions, the registry of the domain packages, blueprints,
error handlers. No services are started here (the CLI and the test fixtures start embedded ones)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask

from .errors import register_error_handlers
from .extensions import api, db, limiter, migrate
from .http.arguments import IdConverter
from .http.fields import MoneyField
from .http.idempotency import init_idempotency
from .http.openapi import complete_document, configure_api, init_request_checks
from .registry import Registry
from .settings import PROJECT_ROOT, load_settings


def _registrations() -> list:
    """Every domain package's declarations, lowest first (the order listeners are told in)."""
    from .accounts.registration import registration as accounts
    from .deals.registration import registration as deals
    from .disputes.registration import registration as disputes
    from .escrow.registration import registration as escrow
    from .notifications.registration import registration as notifications
    from .rfq.registration import registration as rfq
    from .shipping.registration import registration as shipping
    from .vendors.registration import registration as vendors

    return [accounts, notifications, vendors, escrow, shipping, disputes, deals, rfq]


def _blueprints() -> list:
    from .accounts.api import blp as accounts
    from .deals.api import blp as deals
    from .deals.dispute_api import blp as deal_disputes
    from .disputes.api import blp as disputes
    from .escrow.api import blp as escrow
    from .escrow.gateways.bank.api import blp as escrow_admin
    from .escrow.gateways.stripe.api import blp as escrow_stripe
    from .notifications.api import blp as notifications
    from .rfq.api import blp as rfq
    from .shipping.api import blp as shipping
    from .vendors.api import blp as vendors

    return [accounts, vendors, rfq, deals, escrow, escrow_admin, escrow_stripe, shipping, disputes, deal_disputes,
            notifications]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, registry, blueprints, error handlers.

    :raises SettingsError: a setting is malformed, or ``DATABASE_URL`` / ``REDIS_URL`` is missing.
    """
    settings = load_settings(config, require_services=True)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
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
    app.extensions["marketplace_registry"] = Registry(_registrations())
    db.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    configure_api(api)  # the real error envelope, before the spec is created
    api.init_app(app)
    api.register_field(MoneyField, "string", "decimal")
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
    complete_document(app, api, limiter)  # security and every error status, derived from each route
    init_request_checks(app, api)  # documented query parameters are the only accepted ones
    register_error_handlers(app)  # after api.init_app: our envelope replaces flask-smorest's
    init_idempotency(app)
    app.register_blueprint(FlaskBlueprint("swagger_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path,
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
