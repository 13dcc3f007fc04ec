"""Dispute endpoints of the case itself: read it, talk in it. (Opening, withdrawing and deciding move the
deal and its money: they live in ``deals.dispute_api``.)"""

import io

from flask import send_file
from flask.views import MethodView

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.downloads import send_download
from ..http.pagination import PageQuerySchema
from . import bundle, evidence, services
from .schemas import (
    AssignmentCreateSchema,
    BundleQuerySchema,
    DeskPageSchema,
    DeskQuerySchema,
    DisputeEventPageSchema,
    DisputeMessageCreateSchema,
    DisputeMessagePageSchema,
    DisputeMessageQuerySchema,
    DisputeMessageSchema,
    DisputeSchema,
    EvidencePageSchema,
    EvidenceSchema,
    EvidenceUploadSchema,
)

_FILE = {"type": "string", "format": "binary"}
PLATFORM = OrgKind.PLATFORM

blp = Blueprint("disputes", __name__, url_prefix="/api/v1", description="Disputes")


@blp.route("/disputes/<int:dispute_id>")
@login_required()
@blp.response(200, DisputeSchema)
def get_dispute(dispute_id):
    """One dispute (its buyer, its vendor and admins)."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/disputes/<int:dispute_id>/events")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, DisputeEventPageSchema)
def dispute_events(params, dispute_id):
    """The dispute's timeline, oldest first, with actor and time (its buyer, its vendor and admins)."""
    return services.dispute_events(current_actor(), dispute_id, params)


@blp.route("/disputes/<int:dispute_id>/messages")
class Messages(MethodView):
    decorators = [login_required()]

    @blp.arguments(DisputeMessageQuerySchema, location="query")
    @blp.response(200, DisputeMessagePageSchema)
    def get(self, params, dispute_id):
        """The conversation, oldest first."""
        return services.list_messages(current_actor(), dispute_id, params)

    @blp.arguments(DisputeMessageCreateSchema)
    @blp.response(201, DisputeMessageSchema)
    def post(self, data, dispute_id):
        """Add a message (a vendor's first reply moves the case to negotiating); 409 once the dispute is decided."""
        message = services.add_message(current_actor(), dispute_id, data["body"])
        db.session.commit()
        return message


@blp.route("/disputes/<int:dispute_id>/evidence")
class Evidence(MethodView):
    decorators = [login_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, EvidencePageSchema)
    def get(self, params, dispute_id):
        """The case's evidence, oldest first: the deal's records attached at opening and every upload, each
        with its SHA-256 (its buyer, its vendor and admins)."""
        return evidence.list_evidence(current_actor(), dispute_id, params)

    @blp.arguments(EvidenceUploadSchema, location="form_and_files", content_type="multipart/form-data")
    @blp.response(201, EvidenceSchema)
    def post(self, form, dispute_id):
        """Add a file (multipart: ``file``, optional ``description``): PDF, PNG or JPEG by content. Evidence
        is immutable: there is no way to change or delete it. 409 once the dispute is decided or over."""
        upload = form["file"]
        piece = evidence.add_evidence(current_actor(), dispute_id, upload.filename, upload.stream,
                                      form.get("description", ""))
        db.session.commit()
        return piece


@blp.route("/disputes/<int:dispute_id>/evidence/<int:evidence_id>/file")
@login_required()
@blp.response(200, _FILE, content_type="application/pdf",
              description="The evidence's bytes with its sniffed type (PDF, PNG, JPEG; records: JSON).")
@blp.doc(responses={200: {"content": {"image/png": {"schema": _FILE}, "image/jpeg": {"schema": _FILE},
                                      "application/json": {"schema": {"type": "object"}}}}})
def download_evidence(dispute_id, evidence_id):
    """One piece of evidence as a file (its buyer, its vendor and admins)."""
    return send_download(evidence.download_evidence(current_actor(), dispute_id, evidence_id))


@blp.route("/disputes/<int:dispute_id>/bundle")
@login_required()
@blp.arguments(BundleQuerySchema, location="query")
@blp.response(200, _FILE, content_type="application/zip",
              description="A ZIP: summary.pdf, evidence/*, records/*.json and manifest.sha256 (sha256sum format).")
def evidence_bundle(params, dispute_id):
    """The evidence bundle of the case (its buyer, its vendor and admins)."""
    body = bundle.evidence_bundle(current_actor(), dispute_id, params["lang"])
    return send_file(io.BytesIO(body), mimetype="application/zip", as_attachment=True,
                     download_name=bundle.bundle_name(dispute_id))


@blp.route("/admin/disputes")
@login_required(PLATFORM)
@blp.arguments(DeskQuerySchema, location="query")
@blp.response(200, DeskPageSchema)
def dispute_desk(params):
    """The dispute desk: cases oldest first with age, current deadline, claimed amount and assignee; filters
    ``status`` (default every live case), ``assignee`` (``me``, ``none`` or a user id), ``overdue``."""
    return services.desk(current_actor(), params)


@blp.route("/admin/disputes/<int:dispute_id>/assign", methods=["POST"])
@login_required(PLATFORM, roles=(MemberRole.ADMIN, MemberRole.SUPPORT))
@blp.arguments(AssignmentCreateSchema)
@blp.response(200, DisputeSchema)
def assign(data, dispute_id):
    """Give the case to a platform staff member (``assignee_id``), or to nobody (null)."""
    dispute = services.assign_dispute(current_actor(), dispute_id, data["assignee_id"])
    db.session.commit()
    return dispute
