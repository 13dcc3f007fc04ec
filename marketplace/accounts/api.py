"""Accounts endpoints: register, log in/out, who am I, organisation members."""

from flask import current_app, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from ..http.blueprint import Blueprint

from ..extensions import db, limiter
from . import services
from .auth import current, login_required
from .schemas import (LoginSchema, MeSchema, MemberCreateSchema, MemberSchema, OrganizationSchema,
                      OrganizationUpdateSchema, RegisterSchema, TokenSchema)

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts, organisations and tokens")


def _token_body(user, membership_or_org, token, role):
    org = getattr(membership_or_org, "organization", membership_or_org)
    return {"token": token, "token_type": "Bearer", "user": user, "organization": org, "role": role}


def _login_key() -> str:
    """Client address and the e-mail tried: slows password guessing without locking others out."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # hostile nesting: the argument parser answers it with a 400
        body = None
    email = body.get("email", "") if isinstance(body, dict) and isinstance(body.get("email"), str) else ""
    return f"{get_remote_address()}:{email.strip().lower()[:254]}"


@blp.route("/auth/register", methods=["POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@blp.arguments(RegisterSchema)
@blp.response(201, TokenSchema)
def register(data):
    """Create an account with a new buyer or vendor organisation; returns a bearer token."""
    user, org, token = services.register_account(data)
    db.session.commit()
    return _token_body(user, org, token, "owner")


@blp.route("/auth/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_key)
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
def login(data):
    """Exchange e-mail and password for a bearer token (optionally for a given organisation)."""
    user, membership, token = services.login(data["email"], data["password"], data["organization_id"])
    db.session.commit()
    return _token_body(user, membership, token, membership.role)


@blp.route("/auth/logout", methods=["POST"])
@login_required()
@blp.response(204)
def logout():
    """Revoke the token used for this request."""
    services.revoke_token(current().token)
    db.session.commit()


@blp.route("/me")
@login_required()
@blp.response(200, MeSchema)
def me():
    """The caller, their current organisation and role, and all their memberships."""
    s = current()
    return {"user": s.user, "organization": s.organization, "role": s.role, "memberships": s.user.memberships}


@blp.route("/organizations/<int:org_id>", methods=["PATCH"])
@login_required()
@blp.arguments(OrganizationUpdateSchema)
@blp.response(200, OrganizationSchema)
def update_organization(data, org_id):
    """Change the organisation's settings, e.g. the spending threshold above which an approver must agree."""
    org = services.update_organization(current(), org_id, data)
    db.session.commit()
    return org


@blp.route("/organizations/<int:org_id>/members")
class Members(MethodView):
    decorators = [login_required()]

    @blp.response(200, MemberSchema(many=True))
    def get(self, org_id):
        """Members of the caller's organisation."""
        return services.list_members(current(), org_id)

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    def post(self, data, org_id):
        """Add a member with a role (owners and admins)."""
        membership = services.add_member(current(), org_id, data)
        db.session.commit()
        return membership
