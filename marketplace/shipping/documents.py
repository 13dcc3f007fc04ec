"""A shipment's printable documents: the shipping label (A6, the tracking number as text, a Code 39 barcode
and a QR code of the tracking page), the packing list and the delivery note (A4, with the incoterm and named
place), in Vietnamese or English.

``shipping`` never imports ``deals``: the deal comes through the hook :data:`DEAL_OF` as a plain object
(``.id``, ``.buyer_id``, ``.vendor_id``, ``.currency``, ``.terms``, ``.lines`` with ``.id``, ``.description``,
``.quantity``, ``.unit``). Texts are vi/en dictionaries like the dispute bundle's (a document, not a page)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime

import segno
from flask import current_app
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .. import registry
from ..accounts.models import Organization
from ..actors import Actor
from ..database import utcnow
from ..errors import NotFoundError
from ..extensions import db
from ..notifications.links import absolute
from ..pdf import FAMILY, FONTS, Document
from ..units import unit_name
from ..vendors.models import AddressKind, VendorProfile
from .models import Shipment, ShipmentDirection
from .services import get_shipment

#: hook provided by ``deals``: ``fn(actor, deal_id) -> deal`` (the deal as ``actor`` may see it)
DEAL_OF = "shipping.deal_of"

LABEL, PACKING_LIST, DELIVERY_NOTE = "label", "packing-list", "delivery-note"
KINDS = (LABEL, PACKING_LIST, DELIVERY_NOTE)
#: the carrier's own label, fetched from carriers that return one (``Capabilities.labels``)
CARRIER_LABEL = "carrier-label"
LOCALES = ("vi", "en")

#: the documents' words, per locale
WORDS: dict[str, dict[str, str]] = {
    "vi": {
        LABEL: "Nhãn vận chuyển", PACKING_LIST: "Phiếu đóng gói", DELIVERY_NOTE: "Phiếu giao hàng",
        "from": "Người gửi", "to": "Người nhận", "deal": "Giao dịch", "shipment": "Lô hàng",
        "carrier": "Đơn vị vận chuyển",
        "service": "Dịch vụ", "weight": "Khối lượng", "parcels": "Số kiện", "tracking": "Mã vận đơn",
        "scan": "Quét để theo dõi lô hàng", "buyer": "Bên mua", "vendor": "Nhà cung cấp", "line": "Dòng hàng",
        "description": "Mô tả", "quantity": "Số lượng", "unit": "Đơn vị", "marks": "Ký mã hiệu",
        "incoterm": "Điều kiện giao hàng (Incoterms)", "named_place": "Địa điểm chỉ định", "date": "Ngày",
        "goods": "Hàng hoá", "received": "Bên nhận hàng (ký, ghi rõ họ tên)",
        "delivered": "Bên giao hàng (ký, ghi rõ họ tên)",
        "name": "Họ tên", "signature": "Chữ ký", "remarks": "Ghi chú khi nhận hàng",
        "confirm": "Bên nhận xác nhận đã nhận đủ số hàng trên, đúng tình trạng bên ngoài, trừ các ghi chú bên dưới.",
        "footer": "Lập bởi nền tảng · lô hàng #{id}",
        "manual": "Tự giao / đơn vị vận chuyển khác",
    },
    "en": {
        LABEL: "Shipping label", PACKING_LIST: "Packing list", DELIVERY_NOTE: "Delivery note",
        "from": "From", "to": "To", "deal": "Deal", "shipment": "Shipment", "carrier": "Carrier",
        "service": "Service", "weight": "Weight", "parcels": "Parcels", "tracking": "Tracking number",
        "scan": "Scan to track the shipment", "buyer": "Buyer", "vendor": "Vendor", "line": "Line",
        "description": "Description", "quantity": "Quantity", "unit": "Unit", "marks": "Marks",
        "incoterm": "Incoterm", "named_place": "Named place", "date": "Date", "goods": "Goods",
        "received": "Received by (signature, full name)", "delivered": "Delivered by (signature, full name)",
        "name": "Name", "signature": "Signature", "remarks": "Remarks on receipt",
        "confirm": "The receiver confirms receiving the goods above in apparent good order, except as noted below.",
        "footer": "Issued by the platform · shipment #{id}",
        "manual": "Own delivery / other carrier",
    },
}

#: characters Code 39 can encode (besides the ``*`` start/stop)
_CODE39 = re.compile(r"^[0-9A-Z\-. $/+%]+$")


@dataclass(frozen=True)
class ShipmentDocument:
    """One rendered document: its file name and bytes."""

    filename: str
    body: bytes
    deal_id: int  #: the shipment's deal


def tracking_url(deal_id: int) -> str:
    """Where the QR code of a label leads: the deal's page (its Shipments section tracks every shipment), on
    ``PUBLIC_URL`` or the request's host."""
    return absolute(f"/deals/{deal_id}")


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code the label carries for ``url``, as PNG bytes."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def shipment_document(actor: Actor, shipment_id: int, kind: str, locale: str = "vi", *,
                      now: datetime | None = None) -> ShipmentDocument:
    """The document ``kind`` (``label``, ``packing-list``, ``delivery-note``) of a shipment, for its deal's buyer,
    its vendor or an admin.

    :raises NotFoundError: unknown kind, unknown shipment, or another organisation's.
    """
    if kind == CARRIER_LABEL:
        return _carrier_label(actor, shipment_id)
    if kind not in KINDS:
        raise NotFoundError("no such document: use label, packing-list, delivery-note or carrier-label")
    shipment = get_shipment(actor, shipment_id)
    deal = registry.hook(DEAL_OF)(actor, shipment.deal_id)
    locale = locale if locale in LOCALES else "vi"
    sheet = _Sheet(shipment, deal, locale, now or utcnow())
    body = {LABEL: sheet.label, PACKING_LIST: sheet.packing_list, DELIVERY_NOTE: sheet.delivery_note}[kind]()
    return ShipmentDocument(f"shipment-{shipment.id}-{kind}-{locale}.pdf", body, shipment.deal_id)


def has_carrier_label(shipment: Shipment) -> bool:
    """Does the shipment's carrier return its own label?"""
    carrier = registry.current().carriers.get(shipment.carrier)
    return carrier is not None and carrier.capabilities.labels and not carrier.manual_tracking


def _carrier_label(actor: Actor, shipment_id: int) -> ShipmentDocument:
    """The carrier's own label, fetched from the carrier as it prints it (its language).

    :raises NotFoundError: the shipment is not the actor's, or its carrier returns no label.
    :raises CarrierUnavailableError: the carrier did not answer.
    """
    shipment = get_shipment(actor, shipment_id)
    if not has_carrier_label(shipment):
        raise NotFoundError("this carrier returns no label of its own")
    body = registry.current().carriers[shipment.carrier].carrier_label(shipment.tracking_number, current_app.config)
    return ShipmentDocument(f"shipment-{shipment.id}-{shipment.carrier}-label.pdf", body, shipment.deal_id)


def _address(profile: VendorProfile | None) -> str:
    if profile is None or not profile.addresses:
        return ""
    chosen = next((a for a in profile.addresses if a.get("kind") == AddressKind.WAREHOUSE), profile.addresses[0])
    parts = [chosen.get(k) for k in ("line1", "line2", "ward", "district", "province", "postal_code")]
    return ", ".join(p for p in parts if p)


class _Sheet:
    """What the three documents share: the shipment, its deal, the parties and the lines shipped."""

    def __init__(self, shipment: Shipment, deal, locale: str, now: datetime) -> None:
        self.shipment, self.deal, self.locale, self.now = shipment, deal, locale, now
        self.w = WORDS[locale]
        orgs = {o.id: o.name for o in db.session.query(Organization).filter(
            Organization.id.in_([shipment.buyer_id, shipment.vendor_id]))}
        profile = db.session.get(VendorProfile, shipment.vendor_id)
        self.buyer = orgs.get(shipment.buyer_id, "")
        self.vendor = (profile.legal_name if profile is not None and profile.legal_name else "") \
            or orgs.get(shipment.vendor_id, "")
        self.vendor_address = _address(profile)
        self.details = shipment.details or {}
        terms = deal.terms or {}
        self.incoterm, self.named_place = terms.get("incoterm") or "", terms.get("named_place") or ""

    # --- shared pieces ---

    def lines(self) -> list[tuple[int, str, int, str]]:
        """``(number, description, quantity, unit)`` of the goods in this shipment: its own quantities per line
        when it has them, else the deal's."""
        shipped = self._shipped_quantities()
        rows = []
        for number, line in enumerate(self.deal.lines, start=1):
            quantity = shipped.get(line.id, line.quantity) if shipped else line.quantity
            if shipped and line.id not in shipped:
                continue
            rows.append((number, line.description, quantity, line.unit))
        return rows

    def _shipped_quantities(self) -> dict[int, int]:
        own = getattr(self.shipment, "lines", None) or self.details.get("lines") or []
        quantities = {}
        for item in own:
            line_id = item.get("deal_line_id") if isinstance(item, dict) else getattr(item, "deal_line_id", None)
            quantity = item.get("quantity") if isinstance(item, dict) else getattr(item, "quantity", None)
            if line_id is not None and quantity is not None:
                quantities[int(line_id)] = int(quantity)
        return quantities

    def carrier(self) -> str:
        code = self.shipment.carrier
        return self.w["manual"] if code == "manual" else str(self.details.get("carrier_name") or code).upper()

    def weight(self) -> str:
        kg = self.details.get("weight_kg")
        if kg is None and self.details.get("weight_grams") is not None:
            kg = int(self.details["weight_grams"]) / 1000
        parcels = self.details.get("parcels")
        if kg is None and isinstance(parcels, list) and parcels and all(isinstance(p, dict) for p in parcels):
            kg = sum(int(p.get("weight_grams") or 0) * int(p.get("count", 1)) for p in parcels) / 1000 or None
        return f"{kg:g} kg" if isinstance(kg, (int, float)) else (str(kg) if kg else "")

    def parcels(self) -> str:
        parcels = self.details.get("parcels")
        if isinstance(parcels, list):
            count = sum(int(p.get("count", 1)) if isinstance(p, dict) else 1 for p in parcels)
        else:
            count = int(parcels) if isinstance(parcels, int) else 0
        pallets = self.details.get("pallets")
        text = [str(count)] if count else []
        if isinstance(pallets, int) and pallets:
            text.append(f"{pallets} pallet")
        return " + ".join(text)

    def marks(self) -> str:
        return self.details.get("marks") or f"D{self.deal.id}/S{self.shipment.id} · {self.shipment.tracking_number}"

    def numbers(self) -> list[tuple[str, str]]:
        return [(self.w["deal"], f"#{self.deal.id}"), (self.w["shipment"], f"#{self.shipment.id}"),
                (self.w["tracking"], self.shipment.tracking_number), (self.w["date"], self.now.strftime("%d/%m/%Y"))]

    def _document(self, kind: str) -> Document:
        return Document(f"{self.w[kind]} · {self.w['shipment']} #{self.shipment.id}", author=self.vendor,
                        footer=self.w["footer"].format(id=self.shipment.id), created_at=self.now)

    # --- the three documents ---

    def label(self) -> bytes:
        """An A6 label: sender, receiver, numbers, carrier, the tracking number with its barcode and a QR."""
        w, s = self.w, self.shipment
        pdf = FPDF(orientation="P", unit="mm", format=(105, 148))  # A6
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_title(f"{w[LABEL]} {s.tracking_number}")
        pdf.set_creation_date(self.now)
        pdf.set_margins(6, 6, 6)
        pdf.set_auto_page_break(False)
        pdf.add_page()
        pdf.set_font(FAMILY, "B", 8)
        pdf.cell(0, 4, f"{w[LABEL].upper()} · {self.carrier()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

        def block(title: str, lines: list[str]) -> None:
            pdf.set_font(FAMILY, "B", 7)
            pdf.cell(0, 3.5, title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 9)
            pdf.multi_cell(0, 4, "\n".join(x for x in lines if x) or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)

        sender, receiver = [self.vendor, self.vendor_address], [self.buyer, self.named_place]
        if s.direction == ShipmentDirection.RETURN:  # a dispute's return: the buyer sends back to the vendor
            sender, receiver = [self.buyer], [self.vendor, self.vendor_address]
        block(w["from"], sender)
        block(w["to"], receiver)
        pdf.line(6, pdf.get_y(), pdf.w - 6, pdf.get_y())
        pdf.ln(1.5)
        pdf.set_font(FAMILY, "", 8)
        facts = [(w["deal"], f"#{self.deal.id}"), (w["shipment"], f"#{s.id}"), (w["carrier"], self.carrier()),
                 (w["service"], str(self.details.get("service") or "")), (w["weight"], self.weight()),
                 (w["parcels"], self.parcels())]
        for label, value in facts:
            if value:
                pdf.set_font(FAMILY, "B", 8)
                pdf.cell(30, 4, label)
                pdf.set_font(FAMILY, "", 8)
                pdf.cell(0, 4, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
        pdf.set_font(FAMILY, "B", 7)
        pdf.cell(0, 3.5, w["tracking"].upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "B", 13)
        pdf.cell(0, 6, s.tracking_number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        code = s.tracking_number.upper()
        if _CODE39.match(code):
            text = f"*{code}*"
            width = min(1.2, pdf.epw / (len(text) * 16 / 3))
            left = (pdf.w - len(text) * 16 / 3 * width) / 2
            pdf.code39(text, x=left, y=pdf.get_y() + 1, w=width, h=14)
            pdf.set_y(pdf.get_y() + 17)
        size = 34
        top = pdf.h - 6 - size
        pdf.image(io.BytesIO(qr_png(tracking_url(self.deal.id))), x=pdf.w - 6 - size, y=top, w=size, h=size)
        pdf.set_xy(6, top + 4)
        pdf.set_font(FAMILY, "", 7)
        pdf.multi_cell(pdf.epw - size - 3, 3.5, f"{w['scan']}\n{tracking_url(self.deal.id)}")
        return bytes(pdf.output())

    def packing_list(self) -> bytes:
        """Lines with quantities and units, parcels, weight and marks."""
        w = self.w
        doc = self._document(PACKING_LIST)
        doc.pairs([(w["vendor"], self.vendor), (w["buyer"], self.buyer), *self.numbers(),
                   (w["carrier"], self.carrier()), (w["parcels"], self.parcels()), (w["weight"], self.weight()),
                   (w["marks"], self.marks())])
        doc.heading(w["goods"], 11)
        doc.table([w["line"], w["description"], w["quantity"], w["unit"]],
                  [[str(n), d, f"{q:,}".replace(",", "." if self.locale == "vi" else ","), unit_name(u, self.locale, q)]
                   for n, d, q, u in self.lines()], [15, 115, 30, 30], size=9)
        return doc.output()

    def delivery_note(self) -> bytes:
        """The deal, parties, lines, incoterm and named place, and boxes for the receiver's signature."""
        w = self.w
        doc = self._document(DELIVERY_NOTE)
        doc.pairs([(w["vendor"], "\n".join(x for x in (self.vendor, self.vendor_address) if x)),
                   (w["buyer"], self.buyer), *self.numbers(), (w["carrier"], self.carrier()),
                   (w["incoterm"], self.incoterm), (w["named_place"], self.named_place)])
        doc.heading(w["goods"], 11)
        doc.table([w["line"], w["description"], w["quantity"], w["unit"]],
                  [[str(n), d, f"{q:,}".replace(",", "." if self.locale == "vi" else ","), unit_name(u, self.locale, q)]
                   for n, d, q, u in self.lines()], [15, 115, 30, 30], size=9)
        doc.text(w["confirm"], size=9)
        doc.heading(w["remarks"], 10)
        pdf = doc.pdf
        pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, 18)
        pdf.set_y(pdf.get_y() + 22)
        half = (pdf.epw - 10) / 2
        top = pdf.get_y()
        if top + 45 > pdf.h - 15:
            pdf.add_page()
            top = pdf.get_y()
        for i, title in enumerate((w["delivered"], w["received"])):
            x = pdf.l_margin + i * (half + 10)
            pdf.set_xy(x, top)
            pdf.set_font(FAMILY, "B", 9)
            pdf.multi_cell(half, 5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.rect(x, top + 11, half, 22)
            pdf.set_font(FAMILY, "", 8)
            pdf.set_xy(x + 1, top + 34)
            pdf.cell(half, 5, f"{w['name']}: ____________________   {w['date']}: ___/___/______")
        return doc.output()
