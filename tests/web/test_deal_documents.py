"""The deal page's Documents block downloads the purchase order, pro-forma invoice and money statement; the vendor
attaches its e-invoice on the e-invoice page and sees the check result, the buyer sees the flag; the vendor's
commission statements page lists the months with releases."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pypdf

from marketplace.accounts.models import Organization
from marketplace.vendors.models import VendorProfile
from tests.deals.test_documents import _xml
from tests.factories import PASSWORD, valid_tax_code

from .conftest import login, screenshot, untranslated


def _text(body: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages).split())


def test_documents_block_e_invoice_check_and_commission_statements(new_page, api, world, db, run_jobs):
    db.session.get(Organization, world.buyer.org_id).tax_code = valid_tax_code(31)
    db.session.commit()
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    seller = db.session.get(VendorProfile, world.vendors[0].org_id).tax_code

    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/deals/{deal['id']}")
    block = vendor.locator(".deal-documents")
    assert "Đơn đặt hàng" in block.inner_text() and "Hoá đơn chiếu lệ" in block.inner_text()
    with vendor.expect_download() as download:
        vendor.click(".deal-documents a.document-purchase-order")
    saved = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == f"deal-{deal['id']}-purchase-order-vi.pdf"
    assert "ĐƠN ĐẶT HÀNG" in _text(saved).upper() and f"#{deal['id']}" in _text(saved)

    # the vendor attaches an e-invoice made out to the wrong tax code: the page shows what differs
    vendor.click(".deal-documents a.e-invoices-link")
    vendor.set_input_files("input[name=xml]", files=[{"name": "hd.xml", "mimeType": "application/xml",
                                                      "buffer": _xml(valid_tax_code(99), seller, int(deal["total"]))}])
    vendor.click(".e-invoice-form button[type=submit]")
    vendor.wait_for_load_state("networkidle")
    assert vendor.locator(".e-invoice.flagged tr[data-field=buyer_tax_code]").count() == 1
    assert "không khớp" in vendor.inner_text(".e-invoice-state")
    assert untranslated(vendor) == []
    screenshot(vendor, "deals-e-invoice-check")

    buyer = new_page("en")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/deals/{deal['id']}")
    assert buyer.locator(".deal-documents .e-invoice-flag").count() == 1
    href = buyer.get_attribute(".deal-documents a.document-money-statement", "href")
    resp = buyer.request.get(href + "?lang=en")
    assert resp.status == 200 and "Statement of money" in _text(resp.body())
    assert buyer.locator(".e-invoice-form").count() == 0  # only the vendor attaches
    other = new_page("en")
    login(other, world.other_buyer.email, PASSWORD)
    assert other.request.get(href).status == 404

    vendor.goto("/vendor/commission-statements")
    months = vendor.locator(".commission-months tr[data-month]")
    assert months.count() == 1
    csv_href = vendor.get_attribute(".commission-months a:text('CSV')", "href")
    body = vendor.request.get(csv_href).text()
    assert f"{deal['id']}," in body and ",total," in body
    # the page shows the month's figures, the same as the statement's totals
    total = next(line.split(",") for line in body.splitlines() if ",total," in line)
    gross, commission, net = (f"{int(Decimal(v)):,}".replace(",", ".") for v in total[4:7])
    row = vendor.locator(".commission-months tr[data-month]")
    assert row.locator("td.deals").inner_text() == "1"
    assert gross in row.locator("td.gross").inner_text() and commission in row.locator("td.commission").inner_text()
    assert net in row.locator("td.net").inner_text() and int(total[6]) > 0
    assert untranslated(vendor) == []
    screenshot(vendor, "vendor-commission-statements")
