"""A case's evidence: files the parties and admins upload (sniffed, hashed, immutable) and the deal's own
records the platform attaches at opening (JSON snapshots with their SHA-256). Both parties and the
platform's staff see every piece."""

from __future__ import annotations

import hashlib
import json
import os
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from ..actors import Actor
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.downloads import Download
from ..http.pagination import paginate
from ..http.uploads import safe_filename
from ..statemachine import record_event
from ..vendors.models import ProductImport, VendorDocument
from ..vendors.storage import blob_path, sniff, store_stream
from .models import DisputeEvidence, EvidenceKind, RecordType
from .services import get_dispute, lock_dispute, refuse_if_decided
from .states import dispute_machine

#: who added a piece of evidence when it is neither party: the platform (an admin, or the system)
PLATFORM = "platform"
RECORD_TYPE = "application/json"


def record_bytes(snapshot: dict) -> bytes:
    """A record's file: its snapshot as canonical JSON (sorted keys, UTF-8), so its SHA-256 is stable."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def attach_records(dispute, records: list[tuple[RecordType, dict]]) -> list[DisputeEvidence]:
    """Attach the deal's own records (terms, payments, shipments, delivery) to a new case, once.

    ``records`` are plain JSON-able snapshots the orchestrator read from the deal; a case that has its
    records already is left as it is (a repeated opening returns the live case).
    """
    have = db.session.execute(select(DisputeEvidence.id).where(
        DisputeEvidence.dispute_id == dispute.id, DisputeEvidence.kind == EvidenceKind.RECORD).limit(1)).first()
    if have:
        return []
    added = []
    for record_type, snapshot in records:
        body = record_bytes(snapshot)
        piece = DisputeEvidence(dispute_id=dispute.id, kind=EvidenceKind.RECORD, record_type=RecordType(record_type),
                                party=PLATFORM, filename=f"{record_type}.json", content_type=RECORD_TYPE,
                                size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest(),
                                description="", snapshot=snapshot)
        db.session.add(piece)
        added.append(piece)
    db.session.flush()
    return added


def add_evidence(actor: Actor, dispute_id: int, filename: str | None, stream: BinaryIO,
                 description: str = "") -> DisputeEvidence:
    """A party or an admin adds a file to a live case: PDF, PNG or JPEG by its bytes, kept by its SHA-256.

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises ConflictError: the case is decided (``already_decided``) or over.
    :raises TooLargeError: bigger than ``DISPUTE_EVIDENCE_MAX_BYTES``.
    :raises InvalidInputError: the bytes are not a PDF/PNG/JPEG, or contradict the file's extension.
    """
    dispute = get_dispute(actor, dispute_id)
    name = safe_filename(filename)
    blob = store_stream(stream, current_app.config["DISPUTE_EVIDENCE_MAX_BYTES"])
    sniffed = sniff(blob.head)
    ext = os.path.splitext(name)[1].lower()
    if sniffed is None or (ext and ext not in sniffed[1]):
        _discard_unreferenced(blob.sha256)
        if sniffed is None:
            raise InvalidInputError.at(("file",), "only PDF, PNG or JPEG files are accepted",
                                       code="unsupported_file_type")
        refused = InvalidInputError.at(("file",), "the file's content does not match the extension of its name",
                                       code="unsupported_file_type")
        refused.details = {"content_type": sniffed[0], "extension": ext}
        raise refused
    dispute = lock_dispute(dispute.id)  # no new evidence once a decision is recorded
    refuse_if_decided(dispute)
    if not dispute.is_live():
        raise ConflictError(f"the dispute is {dispute.status}")
    party = dispute.party_of(actor.org_id)
    piece = DisputeEvidence(dispute_id=dispute.id, kind=EvidenceKind.UPLOAD, party=party.value if party else PLATFORM,
                            added_by=actor.user_id, added_by_org_id=actor.org_id, filename=name,
                            content_type=sniffed[0], size_bytes=blob.size, sha256=blob.sha256,
                            description=description or "")
    db.session.add(piece)
    db.session.flush()
    record_event(dispute_machine.subject, dispute.id, "evidence_added", dispute.status, dispute.status, actor,
                 {"evidence_id": piece.id, "sha256": blob.sha256, "filename": name})
    return piece


def _discard_unreferenced(sha256: str) -> None:
    """Delete a refused upload's blob unless some evidence, document or import shares its bytes."""
    for model in (DisputeEvidence, VendorDocument, ProductImport):
        if db.session.execute(select(model.id).where(model.sha256 == sha256).limit(1)).first():
            return
    blob_path(sha256).unlink(missing_ok=True)


def case_evidence(dispute_id: int) -> list[DisputeEvidence]:
    """Every piece of a case, oldest first (the caller has read the case as someone who may see it)."""
    return list(db.session.execute(select(DisputeEvidence).where(DisputeEvidence.dispute_id == dispute_id)
                                   .order_by(DisputeEvidence.id)).scalars())


def list_evidence(actor: Actor, dispute_id: int, params: dict) -> dict:
    """One page of a case's evidence, oldest first: records and uploads (its buyer, its vendor and admins).

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises InvalidInputError: a bad cursor.
    """
    dispute = get_dispute(actor, dispute_id)
    return paginate(select(DisputeEvidence).where(DisputeEvidence.dispute_id == dispute.id), params,
                    DisputeEvidence.id)


def get_evidence(actor: Actor, dispute_id: int, evidence_id: int) -> DisputeEvidence:
    """One piece of a case's evidence.

    :raises NotFoundError: unknown, another case's, or another organisation's dispute.
    """
    dispute = get_dispute(actor, dispute_id)
    piece = db.session.get(DisputeEvidence, evidence_id)
    if piece is None or piece.dispute_id != dispute.id:
        raise NotFoundError("no such evidence")
    return piece


def evidence_bytes(piece: DisputeEvidence) -> bytes:
    """A piece's bytes: a record's canonical JSON, or the stored upload."""
    if piece.kind == EvidenceKind.RECORD:
        return record_bytes(piece.snapshot or {})
    return blob_path(piece.sha256).read_bytes()


def download_evidence(actor: Actor, dispute_id: int, evidence_id: int) -> Download:
    """A piece's file with its sniffed type and original name (records: their JSON).

    :raises NotFoundError: unknown, another case's, or another organisation's dispute.
    """
    piece = get_evidence(actor, dispute_id, evidence_id)
    if piece.kind == EvidenceKind.RECORD:
        return Download([record_bytes(piece.snapshot or {}).decode("utf-8")], RECORD_TYPE, piece.filename)
    return Download(blob_path(piece.sha256), piece.content_type, piece.filename)
