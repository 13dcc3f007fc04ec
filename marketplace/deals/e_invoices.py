"""VAT e-invoices the vendor attaches to a deal: the XML of Decree 123/2020/ND-CP (Circular 78/2021/TT-BTC:
``HDon/DLHDon/TTChung``, ``NDHDon/NBan``, ``NDHDon/NMua``, ``NDHDon/TToan``), perhaps with its PDF rendition.

The XML is parsed with ``defusedxml`` (no DTD, no entity expansion, no external references: an upload is
untrusted), read by local names so any namespace and any envelope (``TDiep``, signatures) is accepted, and
checked against the deal: the buyer's tax code is the buyer organisation's, the seller's is the vendor's, the
currency is the deal's, the total with VAT is the deal's total (or what the ledger released). A mismatch is
recorded on the invoice, flagged on the deal and told to the buyer's owners and finance members and to the vendor.
Files are stored content-addressed (SHA-256) like every upload; a refused file is never stored."""

from __future__ import annotations

import io
import os
from decimal import Decimal, InvalidOperation
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from flask import current_app
from sqlalchemy import select

from ..accounts.models import MemberRole, Organization
from ..actors import Actor, ActorRole
from ..errors import ForbiddenError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.downloads import Download
from ..http.uploads import safe_filename
from ..money import CURRENCY_EXPONENTS as _CURRENCIES
from ..money import MoneyError, exponent, format_amount
from ..notifications.models import NotificationKind
from ..notifications.services import notify_members, notify_org
from ..statemachine import record_event
from ..vendors.models import VendorProfile
from ..vendors.storage import TooLargeError, blob_path, sniff, store_stream
from .documents import money_summary
from .models import Deal, DealEInvoice
from .services import get_deal

XML, PDF = "xml", "pdf"
PARTS = (XML, PDF)
#: the buyer's members e-mailed about a mismatch (the whole organisation sees it in its feed)
BUYER_ROLES = (MemberRole.OWNER, MemberRole.FINANCE)
#: the fields checked, with their words in each language (for notifications and pages)
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "buyer_tax_code": ("mã số thuế bên mua", "buyer's tax code"),
    "seller_tax_code": ("mã số thuế người bán", "seller's tax code"),
    "currency": ("đơn vị tiền tệ", "currency"),
    "total": ("tổng tiền thanh toán", "total with VAT"),
}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(element: Element | None, *path: str) -> Element | None:
    """The first descendant reached through ``path`` by local names (namespaces ignored)."""
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _find(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _amount(text: str, currency: str, name: str) -> int | None:
    """Minor units of a decimal amount of the invoice (None when absent).

    :raises InvalidInputError: not a number, or finer than the currency's minor unit.
    """
    if not text:
        return None
    try:
        value = Decimal(text.replace(" ", ""))
        scaled = value.scaleb(exponent(currency) if currency in _CURRENCIES else 0)
    except (InvalidOperation, MoneyError):
        raise InvalidInputError.at(("xml",), f"{name} is not an amount: {text[:40]!r}", code="invalid_e_invoice") \
            from None
    if scaled != scaled.to_integral_value() or not scaled.is_finite():
        raise InvalidInputError.at(("xml",), f"{name} has more decimals than {currency} allows",
                                   code="invalid_e_invoice")
    return int(scaled)


def parse_e_invoice(data: bytes) -> dict:
    """The fields of a Decree 123 e-invoice XML: ``form`` (KHMSHDon), ``series`` (KHHDon), ``number`` (SHDon),
    ``issued_on`` (NLap), ``currency`` (DVTTe, VND when absent), ``seller_name``/``seller_tax_code`` (NBan),
    ``buyer_name``/``buyer_tax_code`` (NMua), and ``subtotal`` (TgTCThue), ``vat`` (TgTThue), ``total``
    (TgTTTBSo) in minor units.

    :raises InvalidInputError: not well-formed XML, a DTD or entity (refused), or no invoice data in it.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InvalidInputError.at(("xml",), "the XML declares a DTD or entities, which e-invoices never need",
                                   code="invalid_e_invoice") from None
    except (ParseError, ValueError) as exc:
        raise InvalidInputError.at(("xml",), f"the file is not well-formed XML ({exc})",
                                   code="invalid_e_invoice") from None
    invoice = root if _local(root.tag) == "DLHDon" else next(
        (el for el in root.iter() if _local(el.tag) == "DLHDon"), None)
    if invoice is None:
        raise InvalidInputError.at(("xml",), "no HDon/DLHDon in the XML: not a Decree 123/2020 e-invoice",
                                   code="invalid_e_invoice")
    general, content = _find(invoice, "TTChung"), _find(invoice, "NDHDon")
    currency = (_text(general, "DVTTe") or "VND").upper()
    fields = {
        "form": _text(general, "KHMSHDon"), "series": _text(general, "KHHDon"), "number": _text(general, "SHDon"),
        "issued_on": _text(general, "NLap"), "currency": currency,
        "seller_name": _text(content, "NBan", "Ten"), "seller_tax_code": _text(content, "NBan", "MST"),
        "buyer_name": _text(content, "NMua", "Ten"), "buyer_tax_code": _text(content, "NMua", "MST"),
    }
    total_text = _text(content, "TToan", "TgTTTBSo")
    if not fields["number"] or not total_text:
        raise InvalidInputError.at(("xml",), "the e-invoice has no number (SHDon) or no total (TToan/TgTTTBSo)",
                                   code="invalid_e_invoice")
    fields["subtotal"] = _amount(_text(content, "TToan", "TgTCThue"), currency, "TgTCThue")
    fields["vat"] = _amount(_text(content, "TToan", "TgTThue"), currency, "TgTThue")
    fields["total"] = _amount(total_text, currency, "TgTTTBSo")
    return fields


def _tax_code(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isalnum()).upper()


def check_e_invoice(deal: Deal, fields: dict) -> list[dict]:
    """Every disagreement of the parsed invoice with the deal: ``{"field", "expected", "actual"}`` (amounts as
    decimal strings of the deal's currency); empty when it matches."""
    buyer = db.session.get(Organization, deal.buyer_id)
    vendor = db.session.get(VendorProfile, deal.vendor_id)
    out = []
    for field, expected in (("buyer_tax_code", buyer.tax_code), ("seller_tax_code", vendor.tax_code if vendor else None)):
        if not expected or _tax_code(fields.get(field)) != _tax_code(expected):
            out.append({"field": field, "expected": expected or None, "actual": fields.get(field) or None})
    if fields["currency"] != deal.currency:
        out.append({"field": "currency", "expected": deal.currency, "actual": fields["currency"]})
    released = money_summary(deal)["released"]
    allowed = {deal.total} | ({released} if released else set())
    if fields["currency"] != deal.currency or fields["total"] not in allowed:
        actual = fields["total"]
        out.append({"field": "total", "expected": format_amount(deal.total, deal.currency),
                    "actual": format_amount(actual, fields["currency"]) if fields["currency"] in _CURRENCIES
                    else str(actual)})
    return out


def _read(stream: BinaryIO, max_bytes: int) -> bytes:
    """The upload's bytes, at most ``max_bytes``.

    :raises TooLargeError: more than that.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLargeError(f"the file is larger than the limit of {max_bytes // (1024 * 1024)} MB",
                            fields={"file": [f"at most {max_bytes} bytes"]})
    return data


def _vendor_deal(actor: Actor, deal_id: int) -> Deal:
    deal = get_deal(actor, deal_id)
    if actor.role != ActorRole.VENDOR or actor.org_id != deal.vendor_id:
        raise ForbiddenError("only the deal's vendor attaches its e-invoice")
    return deal


def attach_e_invoice(actor: Actor, deal_id: int, xml_name: str | None, xml_stream: BinaryIO,
                     pdf_name: str | None = None, pdf_stream: BinaryIO | None = None) -> DealEInvoice:
    """The deal's vendor attaches its VAT e-invoice (the XML, perhaps its PDF): parsed, checked against the deal,
    stored; a mismatch is told to the buyer's owners and finance members and to the vendor.

    :raises NotFoundError: unknown deal, or another organisation's.
    :raises ForbiddenError: not the deal's vendor.
    :raises InvalidInputError: the XML is no e-invoice (or unsafe), or the PDF is no PDF.
    :raises TooLargeError: a file above ``VENDOR_DOCUMENT_MAX_BYTES``.
    """
    deal = _vendor_deal(actor, deal_id)
    limit = current_app.config["VENDOR_DOCUMENT_MAX_BYTES"]
    xml = _read(xml_stream, limit)
    fields = parse_e_invoice(xml)
    pdf = _read(pdf_stream, limit) if pdf_stream is not None else None
    if pdf is not None and (not pdf or sniff(pdf[:16]) is None or sniff(pdf[:16])[0] != "application/pdf"):
        raise InvalidInputError.at(("pdf",), "the rendition must be a PDF file", code="unsupported_file_type")
    mismatches = check_e_invoice(deal, fields)
    xml_blob = store_stream(io.BytesIO(xml), limit)
    pdf_blob = store_stream(io.BytesIO(pdf), limit) if pdf is not None else None
    invoice = DealEInvoice(
        deal_id=deal.id, xml_sha256=xml_blob.sha256, xml_filename=safe_filename(xml_name, "e-invoice.xml"),
        xml_size=xml_blob.size, pdf_sha256=pdf_blob.sha256 if pdf_blob else None,
        pdf_filename=safe_filename(pdf_name, "e-invoice.pdf") if pdf_blob else None,
        pdf_size=pdf_blob.size if pdf_blob else None,
        fields={k: (format_amount(v, fields["currency"]) if k in ("subtotal", "vat", "total") and v is not None
                    and fields["currency"] in _CURRENCIES else v) for k, v in fields.items()},
        total=fields["total"], mismatches=mismatches, uploaded_by=actor.user_id)
    db.session.add(invoice)
    db.session.flush()
    record_event("deal", deal.id, "e_invoice_attached", None, None, actor,
                 {"e_invoice_id": invoice.id, "number": fields["number"], "sha256": xml_blob.sha256,
                  "mismatches": [m["field"] for m in mismatches]})
    if mismatches:
        _tell_mismatch(deal, invoice)
    return invoice


def invoice_label(fields: dict) -> str:
    """``1C26TAA-0000123``: the invoice's series and number as people quote them."""
    return "-".join(p for p in (fields.get("series"), fields.get("number")) if p) or "?"


def _tell_mismatch(deal: Deal, invoice: DealEInvoice) -> None:
    names = [FIELD_WORDS.get(m["field"], (m["field"], m["field"])) for m in invoice.mismatches]
    data = {"deal_id": deal.id, "e_invoice_id": invoice.id, "invoice_number": invoice_label(invoice.fields),
            "fields_vi": ", ".join(n[0] for n in names), "fields_en": ", ".join(n[1] for n in names),
            "total": format_amount(deal.total, deal.currency), "currency": deal.currency}
    key = f"deal-{deal.id}-e-invoice-{invoice.id}-mismatch"
    notify_members(deal.buyer_id, NotificationKind.E_INVOICE_MISMATCH, data, key=f"{key}-buyer", roles=BUYER_ROLES)
    notify_org(deal.vendor_id, NotificationKind.E_INVOICE_MISMATCH, data, key=f"{key}-vendor")


def list_e_invoices(actor: Actor, deal_id: int) -> dict:
    """The deal's e-invoices, newest first, and ``flagged``: does the latest disagree with the deal? (the deal's
    buyer, its vendor and admins).

    :raises NotFoundError: unknown deal, or another organisation's.
    """
    deal = get_deal(actor, deal_id)
    items = deal_e_invoices(deal.id)
    return {"deal_id": deal.id, "flagged": bool(items and items[0].is_flagged()), "items": items}


def deal_e_invoices(deal_id: int) -> list[DealEInvoice]:
    """A deal's e-invoices, newest first."""
    return list(db.session.execute(
        select(DealEInvoice).where(DealEInvoice.deal_id == deal_id).order_by(DealEInvoice.id.desc())).scalars())


def e_invoice_file(actor: Actor, deal_id: int, invoice_id: int, part: str) -> Download:
    """The stored XML or PDF of one of the deal's e-invoices.

    :raises NotFoundError: another organisation's deal, no such invoice on it, or no such part.
    """
    deal = get_deal(actor, deal_id)
    invoice = db.session.get(DealEInvoice, invoice_id)
    if invoice is None or invoice.deal_id != deal.id or part not in PARTS:
        raise NotFoundError("no such e-invoice file on this deal")
    sha, name = (invoice.xml_sha256, invoice.xml_filename) if part == XML else (invoice.pdf_sha256,
                                                                                   invoice.pdf_filename)
    if sha is None:
        raise NotFoundError("this e-invoice has no PDF")
    path = blob_path(sha)
    if not os.path.exists(path):
        raise NotFoundError("the stored file is missing")
    return Download(path, "application/xml" if part == XML else "application/pdf", name)
