"""A deal's documents: the purchase order, pro-forma invoice and money statement open and carry the deal's figures
(vi and en), only for its parties and admins; the vendor's VAT e-invoice is checked against the deal and a wrong
buyer tax code is flagged and told; the monthly commission statement's CSV totals are the ledger's."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

from marketplace.accounts.models import Organization
from marketplace.deals import documents
from marketplace.deals.models import DealEInvoice
from marketplace.money import format_amount, format_display
from marketplace.notifications.models import Notification
from marketplace.units import unit_name
from marketplace.vendors.models import VendorProfile
from tests.factories import valid_tax_code

BUYER_MST = valid_tax_code(4242)


def _text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pdf(api, who, deal_id, kind, lang="vi", expect=200):
    resp = api.call("GET", f"/deals/{deal_id}/documents/{kind}?lang={lang}", who, expect=expect)
    if expect == 200:
        assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
        assert f"deal-{deal_id}-{kind}-{lang}.pdf" in resp.headers["Content-Disposition"]
    return resp


def _with_buyer_tax_code(db, world) -> None:
    db.session.get(Organization, world.buyer.org_id).tax_code = BUYER_MST
    db.session.commit()


def _released(api, world, run_jobs) -> dict:
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    deal = api.get(f"/deals/{deal['id']}", world.buyer)
    assert deal["status"] == "released", deal
    return deal


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_documents_open_with_the_deals_parties_figures_and_money(api, world, db, run_jobs, lang):
    _with_buyer_tax_code(db, world)
    deal = _released(api, world, run_jobs)
    profile = db.session.get(VendorProfile, world.vendors[0].org_id)
    buyer = db.session.get(Organization, world.buyer.org_id).name
    cur = deal["currency"]

    def money(amount) -> str:
        return _flat(format_display(int(amount), cur, lang))

    order = _text(_pdf(api, world.buyer, deal["id"], "purchase-order", lang).data)
    proforma = _text(_pdf(api, world.vendors[0], deal["id"], "proforma-invoice", lang).data)
    confirmation = _text(_pdf(api, world.buyer, deal["id"], "order-confirmation", lang).data)
    statement = _text(_pdf(api, world.admin, deal["id"], "money-statement", lang).data)
    words = documents.WORDS[lang]
    assert _flat(words["order-confirmation"]) in confirmation and _flat(words["confirm_note"][:40]) in confirmation
    for text in (order, proforma, confirmation):
        assert _flat(buyer) in text and _flat(profile.legal_name) in text
        assert BUYER_MST in text and profile.tax_code in text  # both parties' tax codes
        line = deal["lines"][0]
        assert _flat(line["description"]) in text and money(line["unit_price"]) in text
        assert _flat(unit_name(line["unit"], lang, line["quantity"])) in text  # "pieces" / "cái"
        assert money(deal["freight"]) in text and money(deal["total"]) in text
        assert deal["terms"]["incoterm"] in text and _flat(words["incoterm"]) in text
        assert _flat(words["payment_terms"]) in text and _flat(words["ship_by"]) in text
    assert _flat(words["purchase-order"]) in order and _flat(words["proforma-invoice"]) in proforma
    payments = api.get(f"/deals/{deal['id']}/payments", world.buyer)
    references = [m["payment_reference"] for m in deal["milestones"] if m.get("payment_reference")] or \
        [m["instructions"]["reference"] for m in payments.get("milestones", []) if m.get("instructions")]
    assert references and all(ref in proforma for ref in references)

    summary = api.get(f"/admin/deals/{deal['id']}/ledger", world.admin)["summary"]
    assert _flat(words["money-statement"]) in statement
    funded, net, commission = int(summary["funded"]), int(summary["released"]), int(summary["commission"])
    assert funded == int(deal["total"]) and commission > 0
    for figure in (funded, net, commission, net + commission):
        assert money(figure) in statement, (figure, statement)
    assert _flat(words["fund"]) in statement and _flat(words["release"]) in statement


def test_documents_are_404_for_other_organisations_and_unknown_kinds(api, world):
    deal = api.funded_deal(world)
    for who in (world.other_buyer, world.vendors[1]):
        for kind in documents.KINDS:
            _pdf(api, who, deal["id"], kind, expect=404)
    _pdf(api, world.buyer, deal["id"], "invoice", expect=404)
    _pdf(api, world.vendors[0], deal["id"], "money-statement", "en")  # nothing released yet: it still opens
    api.call("GET", f"/deals/{deal['id']}/documents/purchase-order?lang=fr", world.buyer, expect=422)


# --- VAT e-invoices ---------------------------------------------------------------------------------------------

def _xml(buyer_mst: str, seller_mst: str, total: int, currency: str = "VND", number: str = "123") -> bytes:
    subtotal = round(total / 1.1)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<HDon>
  <DLHDon Id="data">
    <TTChung>
      <PBan>2.0.1</PBan><THDon>Hóa đơn giá trị gia tăng</THDon><KHMSHDon>1</KHMSHDon><KHHDon>C26TAA</KHHDon>
      <SHDon>{number}</SHDon><NLap>2026-11-28</NLap><DVTTe>{currency}</DVTTe><TGia>1</TGia><HTTToan>TM/CK</HTTToan>
    </TTChung>
    <NDHDon>
      <NBan><Ten>Công ty TNHH Cơ khí Sài Gòn</Ten><MST>{seller_mst}</MST><DChi>Thủ Đức, TP HCM</DChi></NBan>
      <NMua><Ten>Nhà máy May Việt Tiến</Ten><MST>{buyer_mst}</MST><DChi>Quận 3, TP HCM</DChi></NMua>
      <DSHHDVu><HHDVu><TChat>1</TChat><STT>1</STT><THHDVu>Vòng bi 6205-2RS</THHDVu></HHDVu></DSHHDVu>
      <TToan><TgTCThue>{subtotal}</TgTCThue><TgTThue>{total - subtotal}</TgTThue><TgTTTBSo>{total}</TgTTTBSo>
        <TgTTTBChu>...</TgTTTBChu></TToan>
    </NDHDon>
  </DLHDon>
  <DSCKS><NBan/></DSCKS>
</HDon>""".encode()


def _attach(api, vendor, deal_id, xml: bytes, pdf: bytes | None = None, expect=201):
    data = {"xml": (io.BytesIO(xml), "hoadon.xml")}
    if pdf is not None:
        data["pdf"] = (io.BytesIO(pdf), "hoadon.pdf")
    return api.call("POST", f"/deals/{deal_id}/e-invoices", vendor, expect=expect, data=data,
                    content_type="multipart/form-data").get_json()


def _notified(db, org_id) -> list[Notification]:
    return db.session.query(Notification).filter_by(org_id=org_id, kind="e_invoice_mismatch").all()


def test_an_e_invoice_with_the_wrong_buyer_tax_code_is_flagged_and_told(api, world, db):
    _with_buyer_tax_code(db, world)
    deal = api.funded_deal(world)
    seller = db.session.get(VendorProfile, world.vendors[0].org_id).tax_code
    wrong = valid_tax_code(777)
    pdf = b"%PDF-1.4\n% hoa don\n%%EOF\n"
    invoice = _attach(api, world.vendors[0], deal["id"], _xml(wrong, seller, int(deal["total"])), pdf)
    assert invoice["flagged"] is True
    assert invoice["mismatches"] == [{"field": "buyer_tax_code", "expected": BUYER_MST, "actual": wrong}]
    assert invoice["fields"]["number"] == "123" and invoice["fields"]["total"] == deal["total"]
    listed = api.get(f"/deals/{deal['id']}/e-invoices", world.buyer)
    assert listed["flagged"] is True and [i["id"] for i in listed["items"]] == [invoice["id"]]
    assert len(_notified(db, world.buyer.org_id)) == 1 and len(_notified(db, world.vendors[0].org_id)) == 1
    feed = api.get("/notifications", world.buyer)["items"]
    assert any("C26TAA-123" in n.get("text", "") for n in feed), feed

    # the stored files come back byte for byte, to the parties only
    xml = api.call("GET", f"/deals/{deal['id']}/e-invoices/{invoice['id']}/xml", world.buyer, expect=200)
    assert xml.data == _xml(wrong, seller, int(deal["total"]))
    assert api.call("GET", f"/deals/{deal['id']}/e-invoices/{invoice['id']}/pdf", world.admin, expect=200).data == pdf
    api.call("GET", f"/deals/{deal['id']}/e-invoices/{invoice['id']}/xml", world.other_buyer, expect=404)
    api.call("GET", f"/deals/{deal['id']}/e-invoices", world.vendors[1], expect=404)

    # the corrected invoice matches: not flagged, nobody told again
    right = _attach(api, world.vendors[0], deal["id"], _xml(BUYER_MST, seller, int(deal["total"]), number="124"))
    assert right["flagged"] is False and right["mismatches"] == []
    assert api.get(f"/deals/{deal['id']}/e-invoices", world.vendors[0])["flagged"] is False
    assert len(_notified(db, world.buyer.org_id)) == 1


def test_the_e_invoice_currency_total_and_seller_are_checked(api, world, db):
    _with_buyer_tax_code(db, world)
    deal = api.funded_deal(world)
    invoice = _attach(api, world.vendors[0], deal["id"], _xml(BUYER_MST, valid_tax_code(9), 1000, currency="USD"))
    assert {m["field"] for m in invoice["mismatches"]} == {"seller_tax_code", "currency", "total"}


def test_unsafe_or_foreign_files_are_refused_and_only_the_vendor_attaches(api, world, db):
    deal = api.funded_deal(world)
    seller = db.session.get(VendorProfile, world.vendors[0].org_id).tax_code
    bomb = (b'<?xml version="1.0"?><!DOCTYPE HDon [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<HDon><DLHDon><TTChung><SHDon>&b;</SHDon></TTChung></DLHDon></HDon>")
    for body in (bomb, b"<not-closed>", b"<Invoice><Total>1</Total></Invoice>"):
        error = _attach(api, world.vendors[0], deal["id"], body, expect=422)
        assert error["error"]["code"] == "invalid_e_invoice", error
    good = _xml(BUYER_MST, seller, int(deal["total"]))
    assert _attach(api, world.vendors[0], deal["id"], good, pdf=b"not a pdf", expect=422)["error"]["code"] == \
        "unsupported_file_type"
    _attach(api, world.buyer, deal["id"], good, expect=403)
    _attach(api, world.vendors[1], deal["id"], good, expect=404)
    assert db.session.query(DealEInvoice).count() == 0


# --- monthly commission statements ------------------------------------------------------------------------------

def test_the_commission_statement_csv_totals_are_the_ledgers(api, world, db, run_jobs, app):
    deals = [_released(api, world, run_jobs) for _ in range(2)]
    vendor = world.vendors[0]
    month = datetime.now(ZoneInfo(app.config["DEFAULT_TIMEZONE"])).strftime("%Y-%m")
    assert api.get(f"/vendors/{vendor.org_id}/commission-statements", vendor)["months"] == [month]
    resp = api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/{month}.csv", vendor, expect=200)
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    by_deal = {r["deal_id"]: r for r in rows if r["deal_id"] != "total"}
    (total,) = [r for r in rows if r["deal_id"] == "total"]
    ledgers = {d["id"]: api.get(f"/admin/deals/{d['id']}/ledger", world.admin)["summary"] for d in deals}
    assert set(by_deal) == {str(i) for i in ledgers}
    for deal_id, summary in ledgers.items():
        row = by_deal[str(deal_id)]
        assert int(row["net"]) == int(summary["released"]) and int(row["commission"]) == int(summary["commission"])
        assert int(row["gross"]) == int(summary["released"]) + int(summary["commission"])
    assert int(total["net"]) == sum(int(s["released"]) for s in ledgers.values())
    assert int(total["commission"]) == sum(int(s["commission"]) for s in ledgers.values())

    pdf = api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/{month}.pdf?lang=en", world.admin,
                   expect=200)
    text = _text(pdf.data)
    assert all(f"#{d['id']}" in text for d in deals)
    assert _flat(format_display(int(total["commission"]), "VND", "en")) in text
    assert format_amount(int(total["gross"]), "VND") == total["gross"]
    empty = api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/2020-01.csv", vendor, expect=200)
    assert empty.get_data(as_text=True).strip().splitlines() == [
        "month,deal_id,released_at,currency,gross,commission,net"]
    # other organisations: 404 (another vendor) or 403 (buyers never have statements); a bad month is 404
    api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/{month}.csv", world.vendors[1], expect=404)
    api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/{month}.pdf", world.buyer, expect=403)
    api.call("GET", f"/vendors/{vendor.org_id}/commission-statements/2026-13.csv", vendor, expect=404)


def test_the_purchase_order_states_terms_due_after_delivery(api, world):
    terms = [{"name": "deposit", "percent": 30, "due": "before_shipment"},
             {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}]
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, terms=terms)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    order = _text(_pdf(api, world.buyer, deal["id"], "purchase-order", "vi").data)
    assert "deposit: 30% trước khi giao hàng" in order and "balance: 70% 30 ngày sau khi nhận hàng" in order
    proforma = _text(_pdf(api, world.vendors[0], deal["id"], "proforma-invoice", "en").data)
    assert "30 days after delivery" in proforma
