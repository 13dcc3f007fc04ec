"""Vendor verification (KYB): documents, submission, the admin queue and the admins' decisions."""

from __future__ import annotations

import os
from typing import BinaryIO

from flask import current_app
from sqlalchemy import case, func, select

from ...actors import Actor, ActorRole
from ...database import utcnow
from ...errors import ConflictError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.downloads import Download
from ...http.pagination import paginate
from ...http.uploads import safe_filename
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org, notify_platform
from ...statemachine import Event, record_event
from ..models import (
    DocumentKind,
    ProductImport,
    VendorDocument,
    VendorProfile,
    VerificationDecision,
    VerificationStatus,
)
from ..states import verification_machine
from ..storage import blob_path, sniff, store_stream

#: the admin queue's order: what needs a decision first
QUEUE_RANK = {VerificationStatus.PENDING: 0, VerificationStatus.REJECTED: 1, VerificationStatus.UNVERIFIED: 2,
              VerificationStatus.SUSPENDED: 3}


def submit_verification(vendor_id: int, actor: Actor) -> VendorProfile:
    """The vendor asks the platform to verify it.

    :raises NotFoundError: not the actor's own vendor organisation.
    :raises ConflictError: legal name, tax code or business registration missing, or the state does not allow it.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    missing = {f: ["required"] for f in ("legal_name", "tax_code") if not getattr(vendor, f)}
    has_registration = db.session.execute(
        VendorDocument.for_org(vendor_id).where(VendorDocument.kind == DocumentKind.BUSINESS_REGISTRATION).limit(1)
    ).first()
    if not has_registration:
        missing["documents"] = [f"upload a {DocumentKind.BUSINESS_REGISTRATION} document first"]
    if missing:
        raise ConflictError("complete the profile first", code="profile_incomplete", fields=missing)
    if verification_machine.apply(vendor, "submit", actor):
        vendor = db.session.get(VendorProfile, vendor_id)
        vendor.submitted_at = utcnow()
        notify_platform(NotificationKind.VENDOR_VERIFICATION_REQUESTED,
                        {"vendor_id": vendor.id, "vendor_name": vendor.organization.name, "tax_code": vendor.tax_code},
                        key=f"vendor-{vendor.id}-submitted-v{vendor.version}")
    db.session.flush()
    return vendor


def decide_verification(vendor_id: int, actor: Actor, decision: str, reason: str | None = None) -> VendorProfile:
    """An admin verifies, rejects, suspends or reinstates a vendor; every decision is an event.

    Verifying (or reinstating) approves the profile as it stands: its payout account becomes the verified
    one payouts may go to, and the changes awaiting re-verification are cleared (the decision's event
    keeps them). The vendor is told when verified or rejected.

    :raises NotFoundError: no such vendor.
    :raises IllegalTransitionError: the decision does not fit the current state.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    decision = VerificationDecision(decision)
    payload = {**({"reason": reason} if reason else {}),
               **({"changes": vendor.pending_changes} if vendor.pending_changes else {})}
    if verification_machine.apply(vendor, decision, actor, payload or None):
        vendor = db.session.get(VendorProfile, vendor_id)
        if decision in (VerificationDecision.VERIFY, VerificationDecision.REINSTATE):
            vendor.verified_at = vendor.verified_at or utcnow()
            vendor.rejection_reason = None
            vendor.verified_payout_account = vendor.payout_account
            vendor.pending_changes = None
            notify_org(vendor.id, NotificationKind.VENDOR_VERIFIED, {},
                       key=f"vendor-{vendor.id}-verified-v{vendor.version}")
        else:
            vendor.rejection_reason = reason
            if decision == VerificationDecision.REJECT:
                notify_org(vendor.id, NotificationKind.VENDOR_REJECTED, {"reason": reason or ""},
                           key=f"vendor-{vendor.id}-rejected-v{vendor.version}")
    db.session.flush()
    return vendor


def add_vendor_document(vendor_id: int, actor: Actor, kind: str, filename: str | None, stream: BinaryIO) -> VendorDocument:
    """Store an uploaded verification document (PDF, PNG or JPEG by its bytes) and record its hash.

    The client's file name is reduced to a safe base name (``../../x.pdf`` -> ``x.pdf``) before it is kept.

    :raises NotFoundError: not the actor's own vendor.
    :raises TooLargeError: bigger than ``VENDOR_DOCUMENT_MAX_BYTES``.
    :raises InvalidInputError: the bytes are not a PDF/PNG/JPEG, or contradict the file's extension.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    name = safe_filename(filename)
    blob = store_stream(stream, current_app.config["VENDOR_DOCUMENT_MAX_BYTES"])
    sniffed = sniff(blob.head)
    ext = os.path.splitext(name)[1].lower()
    if sniffed is None or (ext and ext not in sniffed[1]):
        discard_unreferenced(blob.sha256)
        if sniffed is None:
            raise InvalidInputError.at(("file",), "only PDF, PNG or JPEG files are accepted",
                                       code="unsupported_file_type")
        why = "the file's content does not match the extension of its name"
        raise InvalidInputError(why, code="unsupported_file_type", fields={"file": [why]},
                                details={"content_type": sniffed[0], "extension": ext})
    doc = VendorDocument(vendor_id=vendor.id, kind=DocumentKind(kind), filename=name, content_type=sniffed[0],
                         size_bytes=blob.size, sha256=blob.sha256, uploaded_by=actor.user_id)
    db.session.add(doc)
    db.session.flush()
    record_event("vendor", vendor.id, "document_added", None, None, actor,
                 {"document_id": doc.id, "kind": kind, "sha256": blob.sha256})
    return doc


def discard_unreferenced(sha256: str) -> None:
    """Delete a stored blob that no document and no import refers to (a refused upload)."""
    used = db.session.execute(select(VendorDocument.id).where(VendorDocument.sha256 == sha256).limit(1)).first() or \
        db.session.execute(select(ProductImport.id).where(ProductImport.sha256 == sha256).limit(1)).first()
    if not used:
        blob_path(sha256).unlink(missing_ok=True)


def list_vendor_documents(vendor_id: int, actor: Actor, params: dict) -> dict:
    """One page of a vendor's documents, oldest first: the vendor itself and platform admins.

    :raises NotFoundError: another organisation's vendor, or no such vendor.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    return paginate(VendorDocument.for_org(vendor.id), params, VendorDocument.id)


def vendor_documents(vendor_ids: list[int], actor: Actor, limit: int = 50) -> dict[int, list[VendorDocument]]:
    """The first ``limit`` documents (oldest first) of each of many vendors in one statement, as the first page of
    :func:`list_vendor_documents` for each: vendor id -> documents (none for a vendor ``actor`` may not read)."""
    found: dict[int, list[VendorDocument]] = {vendor_id: [] for vendor_id in vendor_ids}
    if vendor_ids:
        for document in db.session.execute(VendorDocument.visible_to(actor)
                                           .where(VendorDocument.vendor_id.in_(vendor_ids))
                                           .order_by(VendorDocument.vendor_id, VendorDocument.id)).scalars():
            if len(found[document.vendor_id]) < limit:
                found[document.vendor_id].append(document)
    return found


def vendor_events(vendor_id: int, actor: Actor, params: dict) -> dict:
    """One page of the vendor's timeline (verification, documents, profile changes), oldest first: the vendor
    itself and platform admins only, as payloads carry pending payout details.

    :raises NotFoundError: another organisation's vendor, or no such vendor.
    :raises InvalidInputError: a bad cursor.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    stmt = select(Event).where(Event.subject_type == verification_machine.subject, Event.subject_id == vendor.id)
    return paginate(stmt, params, Event.id)


def get_vendor_document(vendor_id: int, document_id: int, actor: Actor) -> VendorDocument:
    """One document of a vendor, for the vendor itself and platform admins.

    :raises NotFoundError: another organisation's document, or no such document.
    """
    doc = VendorDocument.get_visible(actor, document_id)
    if doc.vendor_id != vendor_id:
        raise NotFoundError("no such document")
    return doc


def download_vendor_document(vendor_id: int, document_id: int, actor: Actor) -> Download:
    """A document's stored bytes, sniffed type and original name, for the vendor itself and platform admins.

    :raises NotFoundError: another organisation's document, or no such document.
    """
    doc = get_vendor_document(vendor_id, document_id, actor)
    return Download(blob_path(doc.sha256), doc.content_type, doc.filename)


def verification_queue(params: dict) -> dict:
    """One page of vendors for admins to review: pending first (oldest submission first), then the rest by status."""
    rank = case(QUEUE_RANK, value=VendorProfile.status, else_=len(QUEUE_RANK))
    since = func.coalesce(VendorProfile.submitted_at, VendorProfile.created_at)
    stmt = select(VendorProfile)
    if params.get("status"):
        stmt = stmt.where(VendorProfile.status == params["status"])
    return paginate(stmt, params, rank, since, VendorProfile.id, order="queue")


#: the onboarding steps, in order, as codes the pages word
ONBOARDING_STEPS = ("profile", "regions", "capacity", "documents", "submitted", "verified")


def onboarding_checklist(vendor_id: int, actor: Actor) -> list[tuple[str, bool]]:
    """What the vendor has done towards verification and what remains: ``[(step code, done)]`` in order.

    ``profile``: legal name and tax code; ``regions``: at least one region served; ``capacity``: monthly
    capacity stated; ``documents``: a business registration uploaded; ``submitted``: sent for review (or
    already decided favourably); ``verified``: the platform verified it.

    :raises NotFoundError: not the actor's own vendor organisation.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    has_registration = db.session.execute(
        VendorDocument.for_org(vendor.id).where(VendorDocument.kind == DocumentKind.BUSINESS_REGISTRATION).limit(1)
    ).first() is not None
    done = {
        "profile": bool(vendor.legal_name and vendor.tax_code),
        "regions": bool(vendor.regions),
        "capacity": vendor.monthly_capacity is not None,
        "documents": has_registration,
        "submitted": vendor.status in (VerificationStatus.PENDING, VerificationStatus.VERIFIED),
        "verified": vendor.status == VerificationStatus.VERIFIED,
    }
    return [(step, done[step]) for step in ONBOARDING_STEPS]


def can_submit_verification(vendor: VendorProfile) -> bool:
    """Whether the vendor's state lets it (re)submit for verification (unverified or rejected)."""
    return "submit" in verification_machine.allowed(vendor.status, ActorRole.VENDOR)
