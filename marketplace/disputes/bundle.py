"""The evidence bundle of a case: a ZIP with ``summary.pdf`` (the case, parties, deal figures, scope, claim,
messages, decision and the evidence list with SHA-256), every uploaded file, the deal's records as JSON,
and ``manifest.sha256`` (``sha256sum -c`` format) over all of them.

Texts are vi/en dictionaries like the notifications' (the bundle is a document, not a page)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime

from sqlalchemy import select

from ..actors import Actor
from ..extensions import db
from ..money import format_display, parse_amount
from ..pdf import Document
from ..units import format_quantity
from .evidence import case_evidence, evidence_bytes
from .models import DisputeMessage, EvidenceKind
from .services import get_dispute, organization_names, user_names

LOCALES = ("vi", "en")

#: the summary's words, per locale
WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hồ sơ khiếu nại #{id}", "case": "Vụ việc", "deal": "Giao dịch", "buyer": "Bên mua",
        "vendor": "Nhà cung cấp", "platform": "Nền tảng", "opened_by": "Bên mở khiếu nại", "opened": "Ngày mở",
        "status": "Trạng thái", "reason": "Lý do", "requested": "Yêu cầu", "claimed": "Số tiền yêu cầu",
        "description": "Mô tả", "figures": "Số liệu giao dịch", "total": "Tổng giá trị", "subtotal": "Tiền hàng",
        "freight": "Cước vận chuyển", "scope": "Phạm vi khiếu nại", "line": "Dòng hàng", "quantity": "Số lượng",
        "amount": "Giá trị", "messages": "Trao đổi", "no_messages": "Chưa có trao đổi.", "decision": "Quyết định",
        "outcome": "Kết quả", "held": "Đang ký quỹ", "note": "Ghi chú", "evidence": "Chứng cứ", "file": "Tệp",
        "added_by": "Người nộp", "added_at": "Thời điểm", "kind": "Loại", "upload": "Tệp tải lên",
        "record": "Hồ sơ giao dịch", "generated": "Lập lúc",
        "footer": "Hồ sơ khiếu nại · SHA-256 trong manifest.sha256",
    },
    "en": {
        "title": "Dispute #{id}: evidence bundle", "case": "The case", "deal": "Deal", "buyer": "Buyer",
        "vendor": "Vendor", "platform": "Platform", "opened_by": "Opened by", "opened": "Opened",
        "status": "Status", "reason": "Reason", "requested": "Requested outcome", "claimed": "Claimed amount",
        "description": "Description", "figures": "Deal figures", "total": "Total", "subtotal": "Goods",
        "freight": "Freight", "scope": "Lines in dispute", "line": "Line", "quantity": "Quantity",
        "amount": "Value", "messages": "Messages", "no_messages": "No messages.", "decision": "Decision",
        "outcome": "Outcome", "held": "Held in escrow", "note": "Note", "evidence": "Evidence", "file": "File",
        "added_by": "Added by", "added_at": "Added", "kind": "Kind", "upload": "Upload",
        "record": "Deal record", "generated": "Generated",
        "footer": "Dispute evidence bundle · SHA-256 in manifest.sha256",
    },
}
#: values the summary shows, per locale
VALUES: dict[str, dict[str, str]] = {
    "vi": {"open": "Mở", "negotiating": "Đang thương lượng", "escalated": "Đã chuyển nền tảng",
           "under_review": "Đang xem xét", "decided": "Đã quyết định", "settling": "Đang thanh toán",
           "resolved": "Đã giải quyết", "withdrawn": "Đã rút", "not_received": "Không nhận được hàng",
           "not_as_described": "Không đúng mô tả", "damaged": "Hàng hư hỏng", "quantity_short": "Thiếu số lượng",
           "late": "Giao trễ", "wrong_item": "Giao sai hàng", "other": "Lý do khác", "refund": "Hoàn tiền",
           "partial_refund": "Hoàn tiền một phần", "return_and_refund": "Trả hàng và hoàn tiền",
           "replacement": "Giao hàng thay thế", "release": "Giải ngân cho nhà cung cấp", "split": "Chia tiền",
           "terms": "Điều khoản và dòng hàng", "payments": "Thanh toán và ký quỹ", "shipments": "Vận chuyển",
           "delivery": "Bằng chứng giao hàng"},
    "en": {"open": "Open", "negotiating": "Negotiating", "escalated": "Escalated", "under_review": "Under review",
           "decided": "Decided", "settling": "Settling", "resolved": "Resolved", "withdrawn": "Withdrawn",
           "not_received": "Not received", "not_as_described": "Not as described", "damaged": "Damaged",
           "quantity_short": "Quantity short", "late": "Late", "wrong_item": "Wrong item", "other": "Other",
           "refund": "Refund", "partial_refund": "Partial refund", "return_and_refund": "Return and refund",
           "replacement": "Replacement", "release": "Release to the vendor", "split": "Split",
           "terms": "Terms and lines", "payments": "Payments and escrow", "shipments": "Shipments",
           "delivery": "Proof of delivery"},
}


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def bundle_name(dispute_id: int) -> str:
    """The bundle's file name."""
    return f"dispute-{dispute_id}-evidence.zip"


def evidence_bundle(actor: Actor, dispute_id: int, locale: str = "vi", *, now: datetime | None = None) -> bytes:
    """The case's evidence bundle (a ZIP) as its buyer, its vendor or an admin may read it.

    :raises NotFoundError: unknown, or another organisation's dispute.
    """
    dispute = get_dispute(actor, dispute_id)
    pieces = case_evidence(dispute.id)
    messages = list(db.session.execute(select(DisputeMessage).where(DisputeMessage.dispute_id == dispute.id)
                                       .order_by(DisputeMessage.id)).scalars())
    files: list[tuple[str, bytes]] = []
    for piece in pieces:
        if piece.kind == EvidenceKind.RECORD:
            files.append((f"records/{piece.record_type}.json", evidence_bytes(piece)))
        else:
            files.append((f"evidence/{piece.id}-{piece.filename}", evidence_bytes(piece)))
    summary = _summary(dispute, pieces, messages, locale if locale in LOCALES else "vi", now)
    files.insert(0, ("summary.pdf", summary))
    manifest = "".join(f"{hashlib.sha256(body).hexdigest()}  {path}\n" for path, body in files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, body in files:
            archive.writestr(path, body)
        archive.writestr("manifest.sha256", manifest)
    return out.getvalue()


def _summary(dispute, pieces, messages, locale: str, now: datetime | None) -> bytes:
    w, v = WORDS[locale], VALUES[locale]
    cur = dispute.currency

    def money(minor) -> str:
        return format_display(int(minor), cur, locale) if minor is not None else "-"

    orgs = organization_names({dispute.buyer_id, dispute.vendor_id} | {m.author_org_id for m in messages}
                              | {p.added_by_org_id for p in pieces})
    people = user_names({m.author_id for m in messages} | {p.added_by for p in pieces})
    doc = Document(w["title"].format(id=dispute.id), author=w["platform"], footer=w["footer"], created_at=now)
    doc.heading(w["case"])
    doc.pairs([
        (w["deal"], f"#{dispute.deal_id}"), (w["buyer"], orgs.get(dispute.buyer_id, "")),
        (w["vendor"], orgs.get(dispute.vendor_id, "")), (w["opened_by"], w.get(dispute.opened_by_party, "")),
        (w["opened"], _stamp(dispute.created_at)), (w["status"], v.get(dispute.status, dispute.status)),
        (w["reason"], v.get(dispute.reason, dispute.reason)),
        (w["requested"], v.get(dispute.requested_outcome or "", dispute.requested_outcome or "-")),
        (w["claimed"], money(dispute.claimed_amount)), (w["generated"], _stamp(now)),
    ])
    doc.heading(w["description"], 11)
    doc.text(dispute.description)
    terms = next((p.snapshot for p in pieces if p.kind == EvidenceKind.RECORD and p.record_type == "terms"), None)
    if terms:
        doc.heading(w["figures"], 11)
        doc.pairs([(w[k], money(parse_amount(terms[k], cur)) if terms.get(k) else "-")
                   for k in ("subtotal", "freight", "total")])
    doc.heading(w["scope"], 11)
    doc.table([w["line"], w["quantity"], w["amount"]],
              [[f"#{s['deal_line_id']} {s.get('description', '')}", format_quantity(s['quantity'], s.get('unit'), locale),
                money(s.get("amount"))] for s in dispute.scope or []], [110, 35, 45])
    decision = dispute.decision_summary
    if decision:
        doc.heading(w["decision"], 11)
        rows = [(w["outcome"], v.get(decision["outcome"], decision["outcome"])), (w["held"], money(decision["held"]))]
        rows += [(w.get(a["party"], a["party"]), money(a["amount"])) for a in decision["allocations"]]
        if decision.get("note"):
            rows.append((w["note"], decision["note"]))
        doc.pairs(rows)
    doc.heading(w["messages"], 11)
    if not messages:
        doc.text(w["no_messages"])
    for m in messages:
        who = f"{people.get(m.author_id, '')} · {orgs.get(m.author_org_id, w['platform'])} · {_stamp(m.created_at)}"
        doc.text(f"{who}\n{m.body}", size=9)
    doc.heading(w["evidence"], 11)
    doc.table([w["file"], w["kind"], w["added_by"], "SHA-256"],
              [[p.filename if p.kind == EvidenceKind.UPLOAD else v.get(p.record_type, p.filename),
                w[p.kind], orgs.get(p.added_by_org_id, w["platform"]) + f" · {_stamp(p.created_at)}", p.sha256]
               for p in pieces], [42, 22, 46, 80], size=7)
    return doc.output()
