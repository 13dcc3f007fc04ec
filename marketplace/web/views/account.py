"""Pages every logged-in person has: profile, security (second factor), members, notifications; and sign-up."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ...accounts.auth import current_actor
from ...notifications import services as notifications
from ..session import page_login_required

bp = Blueprint("web_account", __name__, url_prefix="/account")


@bp.get("/")
@page_login_required()
def profile():
    """The person's profile and organisation."""
    return render_template("account/profile.html")


@bp.route("/security", methods=["GET", "POST"])
@page_login_required()
def security():
    """The second factor: turn TOTP on (platform staff must), see how many recovery codes are left."""
    return render_template("account/security.html")


@bp.get("/notifications", endpoint="notifications")
@page_login_required()
def notifications_page():
    """The notification centre."""
    params = {"limit": 50, "cursor": request.args.get("cursor")}
    return render_template("account/notifications.html", page=notifications.feed(current_actor(), params))


@bp.get("/notifications/unread")
@page_login_required()
def unread():
    """The unread count in the header (an htmx fragment)."""
    return ""

