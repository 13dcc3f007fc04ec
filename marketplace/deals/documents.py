"""A deal's printable documents, in Vietnamese or English: the purchase order (buyer to vendor), the pro-forma
invoice (vendor to buyer, with the payment reference of each milestone) and the statement of the deal's money
(funded, released, commission, refunded, still held, with the ledger's dates); and a vendor's monthly commission
statement (PDF and CSV) of the money the ledger released to it in a month.

Figures come from the deal's frozen lines and terms and from the ledger (``escrow.ledger``), never recomputed.
A deal need not come from an RFQ (``rfq_id`` may be None: a catalog order or a contract call-off)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import Organization
from ..actors import Actor
from ..database import utcnow
from ..errors import NotFoundError
from ..escrow import ledger
from ..escrow.models import LedgerTransfer, TransferKind
from ..extensions import db
from ..money import format_amount, format_display
from ..pdf import Document
from ..units import unit_name
from ..vendors.models import AddressKind, VendorProfile
from .models import Deal
from .services import get_deal

PURCHASE_ORDER, PROFORMA_INVOICE, MONEY_STATEMENT = "purchase-order", "proforma-invoice", "money-statement"
ORDER_CONFIRMATION = "order-confirmation"
KINDS = (PURCHASE_ORDER, ORDER_CONFIRMATION, PROFORMA_INVOICE, MONEY_STATEMENT)
COMMISSION_STATEMENT = "commission-statement"
LOCALES = ("vi", "en")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

#: the documents' words, per locale
WORDS: dict[str, dict[str, str]] = {
    "vi": {
        PURCHASE_ORDER: "Đơn đặt hàng", ORDER_CONFIRMATION: "Xác nhận đơn hàng",
        "confirmed_at": "Ngày xác nhận",
        "confirm_note": "Nhà cung cấp xác nhận cung cấp hàng hoá trên với giá, điều kiện giao hàng và điều khoản"
                        " thanh toán nêu trên; giá đã chốt và không thay đổi cho giao dịch này.",
        PROFORMA_INVOICE: "Hoá đơn chiếu lệ", MONEY_STATEMENT: "Sao kê tiền giao dịch",
        COMMISSION_STATEMENT: "Bảng kê phí hoa hồng", "deal": "Giao dịch", "date": "Ngày lập",
        "buyer": "Bên mua", "vendor": "Nhà cung cấp", "tax_code": "MST", "address": "Địa chỉ",
        "line": "STT", "description": "Mô tả", "quantity": "Số lượng", "unit": "Đơn vị", "unit_price": "Đơn giá",
        "amount": "Thành tiền", "subtotal": "Cộng tiền hàng", "freight": "Cước vận chuyển", "total": "Tổng cộng",
        "incoterm": "Điều kiện giao hàng (Incoterms)", "named_place": "Địa điểm chỉ định",
        "payment_terms": "Điều khoản thanh toán", "ship_by": "Hạn giao hàng", "lead_time": "Thời gian giao hàng",
        "days": "{n} ngày", "milestone": "Đợt thanh toán", "percent": "Tỷ lệ", "due": "Thời điểm",
        "reference": "Nội dung chuyển khoản", "status": "Trạng thái", "currency": "Tiền tệ",
        "goods": "Hàng hoá", "payments": "Thanh toán qua ký quỹ của nền tảng",
        "pay_note": "Bên mua thanh toán vào tài khoản ký quỹ của nền tảng, ghi đúng nội dung chuyển khoản của từng đợt;"
                    " tiền được giữ đến khi bên mua nghiệm thu hàng.",
        "proforma_note": "Hoá đơn chiếu lệ không phải hoá đơn giá trị gia tăng; hoá đơn điện tử do nhà cung cấp"
                         " phát hành theo Nghị định 123/2020/NĐ-CP.",
        "summary": "Tóm tắt", "funded": "Đã ký quỹ", "released": "Đã giải ngân (gộp)",
        "commission": "Phí hoa hồng nền tảng", "net": "Nhà cung cấp thực nhận", "refunded": "Đã hoàn cho bên mua",
        "held": "Đang ký quỹ", "movements": "Các bút toán", "when": "Thời gian", "what": "Nội dung",
        "none": "Chưa có bút toán nào.", "source": "Nguồn", "rfq": "Yêu cầu báo giá", "order": "Đơn hàng",
        "contract": "Hợp đồng khung", "month": "Tháng", "released_at": "Ngày giải ngân", "gross": "Giải ngân (gộp)",
        "totals": "Cộng", "no_deals": "Không có giao dịch nào được giải ngân trong tháng.",
        "footer": "Lập bởi nền tảng · giao dịch #{id}", "footer_vendor": "Lập bởi nền tảng · nhà cung cấp #{id}",
        "on_award": "khi chốt giao dịch", "before_shipment": "trước khi giao hàng", "on_delivery": "khi nhận hàng",
        "net_days": "{n} ngày sau khi nhận hàng",
        "fund": "Bên mua nộp tiền ký quỹ", "release": "Giải ngân cho nhà cung cấp", "refund": "Hoàn tiền cho bên mua",
    },
    "en": {
        PURCHASE_ORDER: "Purchase order", ORDER_CONFIRMATION: "Order confirmation",
        "confirmed_at": "Confirmed on",
        "confirm_note": "The vendor confirms it supplies the goods above at the prices, delivery terms and payment"
                        " terms stated; the prices are frozen for this deal.",
        PROFORMA_INVOICE: "Pro-forma invoice", MONEY_STATEMENT: "Statement of money",
        COMMISSION_STATEMENT: "Commission statement", "deal": "Deal", "date": "Date",
        "buyer": "Buyer", "vendor": "Vendor", "tax_code": "Tax code", "address": "Address",
        "line": "No.", "description": "Description", "quantity": "Quantity", "unit": "Unit", "unit_price": "Unit price",
        "amount": "Amount", "subtotal": "Subtotal", "freight": "Freight", "total": "Total",
        "incoterm": "Incoterm", "named_place": "Named place", "payment_terms": "Payment terms", "ship_by": "Ship by",
        "lead_time": "Lead time", "days": "{n} days", "milestone": "Milestone", "percent": "Share", "due": "Due",
        "reference": "Payment reference", "status": "Status", "currency": "Currency",
        "goods": "Goods", "payments": "Payment through the platform's escrow",
        "pay_note": "The buyer pays into the platform's escrow account quoting each milestone's payment reference;"
                    " the money is held until the buyer accepts the goods.",
        "proforma_note": "A pro-forma invoice is not a VAT invoice; the vendor issues its e-invoice under Decree"
                         " 123/2020/ND-CP.",
        "summary": "Summary", "funded": "Funded", "released": "Released (gross)",
        "commission": "Platform commission", "net": "Net to the vendor", "refunded": "Refunded to the buyer",
        "held": "Still held", "movements": "Movements", "when": "When", "what": "What",
        "none": "No movements yet.", "source": "Source", "rfq": "RFQ", "order": "Catalog order",
        "contract": "Contract", "month": "Month", "released_at": "Released on", "gross": "Gross released",
        "totals": "Totals", "no_deals": "No deal was released in this month.",
        "footer": "Issued by the platform · deal #{id}", "footer_vendor": "Issued by the platform · vendor #{id}",
        "on_award": "on award", "before_shipment": "before shipment", "on_delivery": "on delivery",
        "net_days": "{n} days after delivery",
        "fund": "Buyer paid into escrow", "release": "Released to the vendor", "refund": "Refunded to the buyer",
    },
}

#: the ledger postings a money statement lists (holds and voids move nothing between the parties)
_MOVEMENTS = (ledger.PostingCode.FUND, ledger.PostingCode.RELEASE, ledger.PostingCode.COMMISSION,
              ledger.PostingCode.REFUND)


@dataclass(frozen=True)
class DealDocument:
    """One rendered file: its name, media type and bytes."""

    filename: str
    body: bytes
    mimetype: str = "application/pdf"


@dataclass(frozen=True)
class Party:
    """A party as a document names it."""

    name: str
    tax_code: str
    address: str


def _locale(locale: str | None) -> str:
    return locale if locale in LOCALES else "vi"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE") or "UTC")


def _date(moment: datetime | None, with_time: bool = False) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_zone())
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def _number(value: int, locale: str) -> str:
    return f"{value:,}".replace(",", "." if locale == "vi" else ",")


def _vendor_address(profile: VendorProfile | None) -> str:
    """The registered office (else the first address) on one line."""
    if profile is None or not profile.addresses:
        return ""
    chosen = next((a for a in profile.addresses if a.get("kind") == AddressKind.REGISTERED), profile.addresses[0])
    parts = [chosen.get(k) for k in ("line1", "line2", "ward", "district", "province", "postal_code")]
    return ", ".join(str(p) for p in parts if p)


def parties(deal: Deal) -> tuple[Party, Party]:
    """The buyer and the vendor as the deal's documents name them (legal name and tax code where known; the
    buyer's address is where the goods go)."""
    buyer = db.session.get(Organization, deal.buyer_id)
    vendor_org = db.session.get(Organization, deal.vendor_id)
    profile = db.session.get(VendorProfile, deal.vendor_id)
    terms = deal.terms or {}
    buyer_address = terms.get("delivery_address") or terms.get("named_place") or ""
    if isinstance(buyer_address, dict):
        buyer_address = ", ".join(str(v) for v in buyer_address.values() if v)
    return (Party(buyer.name, buyer.tax_code or "", str(buyer_address)),
            Party((profile.legal_name if profile is not None else None) or vendor_org.name,
                  (profile.tax_code if profile is not None else None) or "", _vendor_address(profile)))


def deal_document(actor: Actor, deal_id: int, kind: str, locale: str = "vi", *,
                  now: datetime | None = None) -> DealDocument:
    """The document ``kind`` (``purchase-order``, ``order-confirmation``, ``proforma-invoice``,
    ``money-statement``) of a deal, for its buyer, its vendor or an admin.

    :raises NotFoundError: unknown kind, unknown deal, or another organisation's.
    """
    if kind not in KINDS:
        raise NotFoundError("no such document: use purchase-order, order-confirmation, proforma-invoice or "
                            "money-statement")
    deal = get_deal(actor, deal_id)
    locale = _locale(locale)
    sheet = _DealSheet(deal, locale, now or utcnow())
    body = {PURCHASE_ORDER: sheet.purchase_order, ORDER_CONFIRMATION: sheet.order_confirmation,
            PROFORMA_INVOICE: sheet.proforma_invoice,
            MONEY_STATEMENT: sheet.money_statement}[kind]()
    return DealDocument(f"deal-{deal.id}-{kind}-{locale}.pdf", body)


def money_movements(deal: Deal) -> list[dict]:
    """The deal's money as the ledger moved it, oldest first: ``{"at", "code", "milestone_id", "amount"}`` for
    each funding, release (gross), commission and refund."""
    rows = []
    for t in ledger.deal_ledger(deal.id):
        if t.code in _MOVEMENTS and t.kind in (TransferKind.POSTED, TransferKind.POST_PENDING) and t.amount:
            rows.append({"at": t.created_at, "code": str(t.code), "milestone_id": t.milestone_id, "amount": t.amount})
    return rows


def money_summary(deal: Deal) -> dict[str, int]:
    """funded, released (gross), commission, net (to the vendor), refunded and held, from the ledger."""
    summary = ledger.deal_summary(deal.id, deal.currency)
    net, commission = summary["released"], summary["commission"]
    return {"funded": summary["funded"], "released": net + commission, "commission": commission, "net": net,
            "refunded": summary["refunded"], "held": summary["held"]}


class _DealSheet:
    """What the three deal documents share: the deal, its parties and its words."""

    def __init__(self, deal: Deal, locale: str, now: datetime) -> None:
        self.deal, self.locale, self.now = deal, locale, now
        self.w = WORDS[locale]
        self.buyer, self.vendor = parties(deal)
        self.terms = deal.terms or {}

    def money(self, minor: int) -> str:
        return format_display(minor, self.deal.currency, self.locale)

    def _document(self, kind: str) -> Document:
        return Document(f"{self.w[kind]} · {self.w['deal']} #{self.deal.id}", author=self.vendor.name,
                        footer=self.w["footer"].format(id=self.deal.id), created_at=self.now)

    def _party(self, party: Party) -> str:
        lines = [party.name]
        if party.tax_code:
            lines.append(f"{self.w['tax_code']}: {party.tax_code}")
        if party.address:
            lines.append(party.address)
        return "\n".join(lines)

    def _head(self) -> list[tuple[str, str]]:
        source = getattr(self.deal, "source", None) or "rfq"
        rows = [(self.w["deal"], f"#{self.deal.id}"), (self.w["date"], _date(self.now))]
        rows.append((self.w["source"], self.w.get(source, source)))
        return rows

    def _due(self, milestone) -> str:
        """When a milestone is payable, in words (and its due date once delivery fixed it)."""
        due = str(milestone.due or "")
        days = getattr(milestone, "net_days", None)
        text = self.w["net_days"].format(n=days) if due == "net_days" and days is not None else self.w.get(due, due)
        due_at = getattr(milestone, "due_at", None)
        return f"{text} ({_date(due_at)})" if due_at else text

    def _goods(self, doc: Document) -> None:
        w, cur = self.w, self.deal.currency
        doc.heading(w["goods"], 11)
        doc.table([w["line"], w["description"], w["quantity"], w["unit"], w["unit_price"], w["amount"]],
                  [[str(n), line.description, _number(line.quantity, self.locale), unit_name(line.unit, self.locale, line.quantity),
                    self.money(line.unit_price), self.money(line.amount)]
                   for n, line in enumerate(self.deal.lines, start=1)], [12, 70, 24, 18, 30, 36], size=8)
        doc.pairs([(w["subtotal"], self.money(self.deal.subtotal)), (w["freight"], self.money(self.deal.freight)),
                   (w["total"], f"{self.money(self.deal.total)} ({format_amount(self.deal.total, cur)} {cur})")])

    def _terms(self) -> list[tuple[str, str]]:
        w = self.w
        rows = [(w["incoterm"], str(self.terms.get("incoterm") or "")),
                (w["named_place"], str(self.terms.get("named_place") or ""))]
        if self.terms.get("lead_time_days"):
            rows.append((w["lead_time"], w["days"].format(n=self.terms["lead_time_days"])))
        rows.append((w["ship_by"], _date(self.deal.ship_by_at)))
        rows.append((w["payment_terms"], "; ".join(
            f"{m.name}: {m.percent}% {self._due(m)}" for m in self.deal.milestones)))
        return rows

    def purchase_order(self) -> bytes:
        """Buyer to vendor: parties, lines, prices, freight, total, incoterm and place, payment terms, ship-by."""
        w = self.w
        doc = self._document(PURCHASE_ORDER)
        doc.pairs([(w["buyer"], self._party(self.buyer)), (w["vendor"], self._party(self.vendor)), *self._head()])
        self._goods(doc)
        doc.pairs(self._terms())
        return doc.output()

    def order_confirmation(self) -> bytes:
        """Vendor to buyer: the vendor's confirmation of the order the deal froze (when it was made), its lines,
        prices, delivery and payment terms."""
        w = self.w
        doc = self._document(ORDER_CONFIRMATION)
        doc.pairs([(w["vendor"], self._party(self.vendor)), (w["buyer"], self._party(self.buyer)), *self._head(),
                   (w["confirmed_at"], _date(self.deal.created_at))])
        self._goods(doc)
        doc.pairs(self._terms())
        doc.text(w["confirm_note"], size=8)
        return doc.output()

    def proforma_invoice(self) -> bytes:
        """Vendor to buyer: the same figures, and each milestone with its amount and payment reference."""
        w = self.w
        doc = self._document(PROFORMA_INVOICE)
        doc.pairs([(w["vendor"], self._party(self.vendor)), (w["buyer"], self._party(self.buyer)), *self._head()])
        self._goods(doc)
        doc.pairs(self._terms())
        doc.heading(w["payments"], 11)
        doc.table([w["milestone"], w["percent"], w["due"], w["amount"], w["reference"], w["status"]],
                  [[m.name, f"{m.percent}%", self._due(m), self.money(m.amount), m.payment_reference or "",
                    str(m.status)] for m in self.deal.milestones], [34, 16, 34, 34, 42, 30], size=8)
        doc.text(w["pay_note"], size=8)
        doc.text(w["proforma_note"], size=8)
        return doc.output()

    def money_statement(self) -> bytes:
        """Funded, released, commission, net, refunded and still held, then every movement with its date."""
        w = self.w
        doc = self._document(MONEY_STATEMENT)
        doc.pairs([(w["buyer"], self.buyer.name), (w["vendor"], self.vendor.name), *self._head(),
                   (w["total"], self.money(self.deal.total))])
        summary = money_summary(self.deal)
        doc.heading(w["summary"], 11)
        doc.pairs([(w[key], self.money(summary[key]))
                   for key in ("funded", "released", "commission", "net", "refunded", "held")])
        doc.heading(w["movements"], 11)
        movements = money_movements(self.deal)
        if not movements:
            doc.text(w["none"], size=9)
        else:
            seqs = {m.id: m.name for m in self.deal.milestones}
            doc.table([w["when"], w["what"], w["milestone"], w["amount"]],
                      [[_date(m["at"], with_time=True), w.get(m["code"], m["code"]), seqs.get(m["milestone_id"], ""),
                        self.money(m["amount"])] for m in movements], [40, 70, 40, 40], size=8)
        return doc.output()


# --- the vendor's monthly commission statement ---------------------------------------------------------------


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    """The start and the end (exclusive) of ``yyyy-mm`` in the platform's time zone.

    :raises NotFoundError: not a month.
    """
    found = MONTH.match(month or "")
    if not found:
        raise NotFoundError("no such statement: the month is written yyyy-mm")
    year, number = int(found.group(1)), int(found.group(2))
    zone = _zone()
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone)
    return start, end


def _vendor(actor: Actor, vendor_id: int) -> VendorProfile:
    """The vendor as ``actor`` may see its statements: its own members, or platform admins.

    :raises NotFoundError: another organisation.
    """
    return VendorProfile.get_visible(actor, vendor_id)


def commission_months(actor: Actor, vendor_id: int) -> list[str]:
    """The months (``yyyy-mm``, newest first) in which the ledger released money to the vendor.

    :raises NotFoundError: another organisation's vendor.
    """
    vendor = _vendor(actor, vendor_id)
    local = func.timezone(_zone().key, LedgerTransfer.created_at)
    month = func.to_char(local, "YYYY-MM")
    rows = db.session.execute(
        select(month).join(Deal, Deal.id == LedgerTransfer.deal_id)
        .where(Deal.vendor_id == vendor.id, LedgerTransfer.code == ledger.PostingCode.RELEASE)
        .group_by(month).order_by(month.desc())
    ).scalars().all()
    return list(rows)


def commission_statement(actor: Actor, vendor_id: int, month: str) -> dict:
    """The deals whose money the ledger released to the vendor in ``month`` (platform time zone): per deal the
    gross released, the commission and the net, with totals per currency.

    :raises NotFoundError: another organisation's vendor, or a malformed month.
    """
    vendor = _vendor(actor, vendor_id)
    start, end = _month_bounds(month)
    transfers = db.session.execute(
        select(LedgerTransfer, Deal.currency).join(Deal, Deal.id == LedgerTransfer.deal_id)
        .where(Deal.vendor_id == vendor.id, LedgerTransfer.created_at >= start, LedgerTransfer.created_at < end,
               LedgerTransfer.code.in_([ledger.PostingCode.RELEASE, ledger.PostingCode.COMMISSION]),
               LedgerTransfer.kind.in_([TransferKind.POSTED, TransferKind.POST_PENDING]))
        .order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    ).all()
    per_deal: dict[int, dict] = {}
    for t, currency in transfers:
        row = per_deal.setdefault(t.deal_id, {"deal_id": t.deal_id, "currency": currency, "released_at": t.created_at,
                                              "gross": 0, "commission": 0})
        if t.code == ledger.PostingCode.RELEASE:
            row["gross"] += t.amount
            row["released_at"] = max(row["released_at"], t.created_at)
        else:
            row["commission"] += t.amount
    rows = sorted(per_deal.values(), key=lambda r: (r["released_at"], r["deal_id"]))
    totals: dict[str, dict] = defaultdict(lambda: {"gross": 0, "commission": 0, "net": 0, "deals": 0})
    for row in rows:
        row["net"] = row["gross"] - row["commission"]
        total = totals[row["currency"]]
        for key in ("gross", "commission", "net"):
            total[key] += row[key]
        total["deals"] += 1
    profile_name = vendor.legal_name or db.session.get(Organization, vendor.id).name
    return {"vendor_id": vendor.id, "vendor_name": profile_name, "tax_code": vendor.tax_code or "", "month": month,
            "deals": rows, "totals": [{"currency": c, **t} for c, t in sorted(totals.items())]}


def commission_statement_csv(actor: Actor, vendor_id: int, month: str) -> DealDocument:
    """The commission statement as CSV (UTF-8, amounts as the API's decimal strings): one row per deal, then one
    ``total`` row per currency.

    :raises NotFoundError: see :func:`commission_statement`.
    """
    statement = commission_statement(actor, vendor_id, month)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "deal_id", "released_at", "currency", "gross", "commission", "net"])
    for row in statement["deals"]:
        cur = row["currency"]
        writer.writerow([month, row["deal_id"], row["released_at"].isoformat(), cur, format_amount(row["gross"], cur),
                         format_amount(row["commission"], cur), format_amount(row["net"], cur)])
    for total in statement["totals"]:
        cur = total["currency"]
        writer.writerow([month, "total", "", cur, format_amount(total["gross"], cur),
                         format_amount(total["commission"], cur), format_amount(total["net"], cur)])
    return DealDocument(f"commission-{vendor_id}-{month}.csv", out.getvalue().encode("utf-8"), "text/csv")


def commission_statement_pdf(actor: Actor, vendor_id: int, month: str, locale: str = "vi", *,
                             now: datetime | None = None) -> DealDocument:
    """The commission statement as a PDF in ``locale``.

    :raises NotFoundError: see :func:`commission_statement`.
    """
    locale = _locale(locale)
    w = WORDS[locale]
    statement = commission_statement(actor, vendor_id, month)
    doc = Document(f"{w[COMMISSION_STATEMENT]} · {month}", footer=w["footer_vendor"].format(id=vendor_id),
                   created_at=now or utcnow())
    doc.pairs([(w["vendor"], statement["vendor_name"]), (w["tax_code"], statement["tax_code"]), (w["month"], month),
               (w["date"], _date(now or utcnow()))])
    if not statement["deals"]:
        doc.text(w["no_deals"])
    else:
        def money(minor: int, cur: str) -> str:
            return format_display(minor, cur, locale)

        doc.table([w["deal"], w["released_at"], w["gross"], w["commission"], w["net"]],
                  [[f"#{r['deal_id']}", _date(r["released_at"]), money(r["gross"], r["currency"]),
                    money(r["commission"], r["currency"]), money(r["net"], r["currency"])]
                   for r in statement["deals"]], [24, 32, 44, 46, 44], size=8)
        doc.heading(w["totals"], 11)
        for total in statement["totals"]:
            cur = total["currency"]
            doc.pairs([(w["currency"], f"{cur} ({total['deals']})"), (w["gross"], money(total["gross"], cur)),
                       (w["commission"], money(total["commission"], cur)), (w["net"], money(total["net"], cur))])
    return DealDocument(f"commission-{vendor_id}-{month}-{locale}.pdf", doc.output())
