"""The application factory: settings, extensions, the registry of the domain packages, blueprints,
error handlers. No services are started here (the CLI and the test fixtures start embedded ones)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask

from .accounts import api as accounts_api
from .accounts import registration as accounts
from .analytics import api as analytics_api
from .analytics import registration as analytics
from .contracts import api as contracts_api
from .contracts import registration as contracts
from .deals import api as deals_api
from .deals import dispute_api as deal_disputes_api
from .deals import dispute_outcome_api
from .deals import document_api as deal_documents_api
from .deals import registration as deals
from .deals import review_api as deal_reviews_api
from .disputes import api as disputes_api
from .disputes import registration as disputes
from .errors import register_error_handlers
from .escrow import api as escrow_api
from .escrow import registration as escrow
from .escrow.gateways.bank import api as bank_api
from .escrow.gateways.stripe import api as stripe_api
from .extensions import api, db, limiter, migrate
from .http.arguments import IdConverter
from .http.fields import MoneyField
from .http.idempotency import init_idempotency
from .http.openapi import complete_document, configure_api, init_request_checks
from .notifications import api as notifications_api
from .notifications import registration as notifications
from .orders import api as orders_api
from .orders import registration as orders
from .registry import Registry
from .rfq import api as rfq_api
from .rfq import registration as rfq
from .settings import PROJECT_ROOT, load_settings
from .shipping import api as shipping_api
from .shipping import registration as shipping
from .shipping import webhook_api as carrier_webhook_api
from .vendors import api as vendors_api
from .vendors import registration as vendors
from .web.site import init_web, render_error_page
from .webhooks import api as webhooks_api
from .webhooks import registration as webhooks

#: every domain package's declarations, lowest first (the order listeners are told in)
REGISTRATIONS = (accounts.registration, webhooks.registration, notifications.registration, vendors.registration,
                 escrow.registration, shipping.registration, disputes.registration, deals.registration,
                 rfq.registration, orders.registration, contracts.registration, analytics.registration)

#: the API blueprints (the only place API modules are imported)
BLUEPRINTS = (accounts_api.blp, vendors_api.blp, rfq_api.blp, deals_api.blp, escrow_api.blp, bank_api.blp,
              stripe_api.blp, shipping_api.blp, carrier_webhook_api.blp, disputes_api.blp, deal_disputes_api.blp,
              dispute_outcome_api.blp, notifications_api.blp,
              webhooks_api.blp, orders_api.blp, analytics_api.blp, deal_reviews_api.blp,
              deal_documents_api.blp, contracts_api.blp)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, registry, blueprints, error handlers.

    :raises SettingsError: a setting is malformed, or ``DATABASE_URL`` / ``REDIS_URL`` is missing.
    """
    settings = load_settings(config, require_services=True)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], template_folder="web/templates",
                static_folder="web/static")
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
    app.extensions["marketplace_registry"] = Registry(REGISTRATIONS)
    db.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    configure_api(api)  # the real error envelope, before the spec is created
    api.init_app(app)
    api.register_field(MoneyField, "string", "decimal")
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    complete_document(app, api, limiter)  # security and every error status, derived from each route
    init_request_checks(app, api)  # documented query parameters are the only accepted ones
    init_web(app)  # the pages people use: Babel, CSRF, cookies, security headers, blueprints
    register_error_handlers(app, page=render_error_page)  # after api.init_app: our envelope replaces flask-smorest's
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
