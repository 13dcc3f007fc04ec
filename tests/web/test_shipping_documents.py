"""The deal page lists each shipment's documents; a click downloads the PDF (the page's language), and another
organisation gets the 404 page."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf

from tests.factories import PASSWORD

from .conftest import login, screenshot


def _text(body: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages).split())


def test_the_deal_page_lists_the_documents_and_downloads_them(new_page, api, world):
    deal, shipment = api.shipped_deal(world, tracking_number="WEB-5501")
    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/deals/{deal['id']}")
    links = vendor.locator(".shipment-documents a")
    assert links.count() == 3
    assert "Nhãn vận chuyển" in vendor.inner_text(".shipment-documents")
    assert "Phiếu giao hàng" in vendor.inner_text(".shipment-documents")
    screenshot(vendor, "deals-shipment-documents")
    with vendor.expect_download() as download:
        vendor.click(".shipment-documents a.document-label")
    saved = Path(download.value.path()).read_bytes()
    assert saved.startswith(b"%PDF") and download.value.suggested_filename == f"shipment-{shipment['id']}-label-vi.pdf"
    assert "WEB-5501" in _text(saved) and "NHÃN VẬN CHUYỂN" in _text(saved)

    buyer = new_page("en")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/deals/{deal['id']}")
    href = buyer.get_attribute(".shipment-documents a.document-delivery-note", "href")
    resp = buyer.request.get(href)
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    assert "WEB-5501" in _text(resp.body())

    other = new_page("en")
    login(other, world.other_buyer.email, PASSWORD)
    assert other.request.get(href).status == 404
