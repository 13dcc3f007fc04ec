"""Accounts endpoints: register, log in/out, who am I, organisation members."""

from flask import current_app
from flask.views import MethodView

from ..extensions import db, limiter
from ..http.blueprint import Blueprint
from ..http.limits import address_and_field
from ..http.pagination import PageQuerySchema
from . import services
from .auth import current, current_actor, login_required
from .schemas import (
    LoginSchema,
    MemberCreateSchema,
    MemberPageSchema,
    MemberRoleSchema,
    MemberSchema,
    MeSchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    PasswordChangeSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenSchema,
    UserSchema,
)

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts, organisations and tokens")


@blp.route("/auth/register", methods=["POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@blp.arguments(RegisterSchema)
@blp.response(201, TokenSchema)
def register(data):
    """Create an account with a new buyer or vendor organisation; returns a bearer token."""
    grant = services.register_account(data)
    db.session.commit()
    return grant


@blp.route("/auth/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=address_and_field("email"))
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")  # wrong e-mail or password
def login(data):
    """Exchange e-mail and password (and the second-factor code, when the user has one) for a bearer token."""
    grant = services.login(data["email"], data["password"], data["organization_id"], data["otp"])
    db.session.commit()
    return grant


@blp.route("/auth/logout", methods=["POST"])
@login_required()
@blp.response(204)
def logout():
    """Revoke the token used for this request."""
    services.revoke_token(current().token.id)
    db.session.commit()


@blp.route("/me")
@login_required()
@blp.response(200, MeSchema)
def me():
    """The caller, their current organisation and role, and all their memberships."""
    return current()


@blp.route("/me", methods=["PATCH"])
@login_required()
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, UserSchema)
def update_me(data):
    """Change the caller's name, language or time zone."""
    user = services.update_profile(current().user.id, data)
    db.session.commit()
    return user


@blp.route("/me/password", methods=["POST"])
@login_required()
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change the caller's password (the current one is needed); the caller's other tokens are revoked."""
    services.change_password(current().user.id, data["current_password"], data["new_password"],
                             keep_token_id=current().token.id)
    db.session.commit()


@blp.route("/organizations/<int:org_id>", methods=["PATCH"])
@login_required()
@blp.arguments(OrganizationUpdateSchema)
@blp.response(200, OrganizationSchema)
def update_organization(data, org_id):
    """Change the organisation's settings, e.g. the spending threshold above which an approver must agree."""
    org = services.update_organization(current_actor(), org_id, data)
    db.session.commit()
    return org


@blp.route("/organizations/<int:org_id>/members")
class Members(MethodView):
    decorators = [login_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MemberPageSchema)
    def get(self, params, org_id):
        """Members of the caller's organisation, one page at a time."""
        return services.list_members(current_actor(), org_id, params)

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    def post(self, data, org_id):
        """Add a member with a role (owners and admins)."""
        membership = services.add_member(current_actor(), org_id, data)
        db.session.commit()
        return membership


@blp.route("/organizations/<int:org_id>/members/<int:membership_id>", methods=["PATCH"])
@login_required()
@blp.arguments(MemberRoleSchema)
@blp.response(200, MemberSchema)
def change_member_role(data, org_id, membership_id):
    """Give a member another role (owners and admins; the last owner stays an owner)."""
    membership = services.change_member_role(current_actor(), org_id, membership_id, data["role"])
    db.session.commit()
    return membership
