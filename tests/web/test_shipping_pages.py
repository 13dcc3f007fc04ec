"""Booking and tracking shipments in a real browser: the vendor books two partial shipments of a two-line deal with
the built-in carrier (seeing its price for the lane), prints the label, reports progress and records proof of
delivery with a photo; the buyer follows the tracking page in English and the deal ends delivered. Another
organisation gets the 404 page."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pypdf

from marketplace.shipping.services import quote_rates
from marketplace.web.i18n import money
from tests.factories import PASSWORD

from .conftest import login, screenshot
from .helpers import accept_dialogs, submit, tiny_png

LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece"},
         {"description": "Gối đỡ UCP205", "quantity": 200, "unit": "piece"}]


def _pdf_text(body: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages).split())


def _line_ids(api, world, deal_id: int) -> list[int]:
    return [p["deal_line_id"] for p in api.get(f"/deals/{deal_id}/shipping-plan", world.vendors[0])["lines"]]


def _built_in_price(app, grams: int) -> str:
    """The built-in carrier's price from Hà Nội to the RFQ's Hồ Chí Minh City for one parcel, as a vi page shows it."""
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        rates = quote_rates({"origin": "VN-HN", "destination": "VN-SG", "currency": "VND",
                             "parcels": [{"weight_grams": grams, "length_cm": 10, "width_cm": 10, "height_cm": 10}]})
        manual = next(r for r in rates["rates"] if r["carrier"] == "manual")
        return money(manual["amount"], "VND")


def test_two_partial_shipments_tracked_to_delivery_with_proof(new_page, api, world, app, tmp_path):
    deal = api.funded_deal(world, lines=LINES)
    bearings, housings = _line_ids(api, world, deal["id"])
    url = f"/deals/{deal['id']}"

    # the vendor opens the booking page from the deal page and sees the built-in carrier's price for the lane
    vendor = accept_dialogs(new_page("vi"))
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(url)
    assert "Đặt vận chuyển" in vendor.inner_text(".shipments a.ship-link")
    vendor.click(".shipments a.ship-link")
    vendor.wait_for_url(f"**{url}/ship")
    assert vendor.input_value(f"tr[data-line='{bearings}'] input.quantity") == "1000"  # default: all that is left
    vendor.select_option("select[name=origin]", "VN-HN")
    vendor.fill("input[name=weight_grams]", "2500")
    submit(vendor, "button.update-prices")
    manual = vendor.locator(".carrier-option[data-carrier=manual]")
    assert _built_in_price(app, 2500) in manual.inner_text()
    assert "ước tính" in manual.locator(".badge.estimate").inner_text()
    assert "Hà Nội" in vendor.inner_text(".lane") and "Hồ Chí Minh" in vendor.inner_text(".lane")
    screenshot(vendor, "shipping-book")

    # more than is left is refused in Vietnamese, and nothing is booked
    vendor.fill(f"tr[data-line='{bearings}'] input.quantity", "5000")
    with vendor.expect_navigation() as nav:
        vendor.click("button.book")
    assert nav.value.status == 422
    assert "còn lại để giao" in vendor.inner_text(f"tr[data-line='{bearings}']")
    assert api.get(f"{url}/shipments", world.buyer)["items"] == []

    # the first shipment: 600 bearings, no housings, an internal tracking number
    vendor.fill(f"tr[data-line='{bearings}'] input.quantity", "600")
    vendor.fill(f"tr[data-line='{housings}'] input.quantity", "0")
    vendor.check(".carrier-option[data-carrier=manual] input[type=radio]")
    submit(vendor, "button.book")
    assert "/shipments/" in vendor.url
    first = int(vendor.url.rstrip("/").rsplit("/", 1)[1])
    assert "Đã đặt vận chuyển" in vendor.inner_text(".shipment-head")
    assert vendor.inner_text(f".shipment-lines tr[data-line='{bearings}'] td.shipped").startswith("600")
    with vendor.expect_download() as download:
        vendor.click("a.document-label-en")
    label = Path(download.value.path()).read_bytes()
    number = vendor.inner_text(".shipment-head code.tracking-number").strip()
    assert download.value.suggested_filename == f"shipment-{first}-label-en.pdf" and number in _pdf_text(label)

    # the deal page lists it and offers to ship the rest; the second shipment carries the rest
    vendor.goto(url)
    assert number in vendor.inner_text(".shipments table.shipment-list")
    assert "Giao phần còn lại" in vendor.inner_text(".shipments a.ship-link")
    assert vendor.inner_text(f".shipping-plan tr[data-line='{bearings}'] td.remaining") == "400"
    vendor.click(".shipments a.ship-link")
    vendor.wait_for_url(f"**{url}/ship")
    assert vendor.input_value(f"tr[data-line='{bearings}'] input.quantity") == "400"
    assert vendor.input_value(f"tr[data-line='{housings}'] input.quantity") == "200"
    vendor.fill("input[name=tracking_number]", "NHA-2026-0002")
    submit(vendor, "button.book")
    second = int(vendor.url.rstrip("/").rsplit("/", 1)[1])
    assert second != first and "NHA-2026-0002" in vendor.inner_text(".shipment-head")
    vendor.goto(url)
    assert vendor.locator(".shipments table.shipment-list tbody tr").count() == 2
    assert vendor.locator(".shipments a.ship-link").count() == 0  # nothing left to ship
    assert vendor.inner_text(f".shipping-plan tr[data-line='{housings}'] td.in-transit") == "200"
    screenshot(vendor, "deals-shipments")

    # the vendor reports progress of the first shipment and records both deliveries with a photo
    photo = tmp_path / "nguoi-nhan.png"
    photo.write_bytes(tiny_png())
    vendor.goto(f"/shipments/{first}")
    vendor.select_option(".tracking-form select[name=status]", "in_transit")
    vendor.fill(".tracking-form input[name=location]", "Đà Nẵng")
    submit(vendor, ".tracking-form button[type=submit]")
    assert "Đà Nẵng" in vendor.inner_text("table.tracking")
    screenshot(vendor, "shipping-tracking-vendor")
    for shipment_id in (first, second):
        vendor.goto(f"/shipments/{shipment_id}")
        vendor.fill(".proof-form input[name=receiver_name]", "Nguyễn Văn Nhận")
        vendor.set_input_files(".proof-form input[name=image]", str(photo))
        submit(vendor, ".proof-form button[type=submit]")
        assert "Nguyễn Văn Nhận" in vendor.inner_text(".proof .receiver")

    # the buyer follows the first shipment in English: newest first, the proof with its image and hash
    buyer = new_page("en")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(url)
    submit(buyer, "button[name=lang][value=en]")  # the buyer's own language is Vietnamese
    buyer.click(f".shipments a[href='/shipments/{first}']")
    buyer.wait_for_url(f"**/shipments/{first}")
    assert "Delivered" in buyer.inner_text(".shipment-head")
    rows = [r.inner_text() for r in buyer.locator("table.tracking tbody tr").all()]
    assert "Delivered to Nguyễn Văn Nhận (proof of delivery)" in rows[0]
    assert "Đà Nẵng" in rows[1] and "In transit" in rows[1]
    assert "Shipment created" in rows[-1]
    assert buyer.inner_text(".proof code.sha256").strip() == hashlib.sha256(tiny_png()).hexdigest()
    image = buyer.locator(".proof-image img")
    assert image.evaluate("img => img.complete && img.naturalWidth === 8")
    assert buyer.locator(".tracking-form, .proof-form, .cancel-shipment").count() == 0  # the buyer only reads
    screenshot(buyer, "shipping-tracking")
    buyer.click("a.back-to-deal")
    assert "Delivered" in buyer.inner_text(".deal-head")
    assert api.get(f"{url}/shipping-plan", world.buyer)["complete"] is True

    # another organisation: the 404 page, for the page and the proof image
    other = new_page("en")
    login(other, world.other_buyer.email, PASSWORD)
    assert other.goto(f"/shipments/{first}").status == 404
    assert other.request.get(f"/shipments/{first}/proof/image").status == 404


def test_the_vendor_cancels_a_booking_before_pickup_and_ships_it_again(new_page, api, world):
    deal = api.funded_deal(world)
    vendor = accept_dialogs(new_page("en"))
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/deals/{deal['id']}")
    submit(vendor, "button[name=lang][value=en]")
    vendor.click(".shipments a.ship-link")
    vendor.wait_for_url(f"**/deals/{deal['id']}/ship")
    submit(vendor, "button.book")
    assert "Booked" in vendor.inner_text(".shipment-head")
    submit(vendor, ".cancel-shipment button[type=submit]")
    assert "Cancelled" in vendor.inner_text(".shipment-head")
    assert vendor.locator(".cancel-shipment, .tracking-form").count() == 0
    plan = api.get(f"/deals/{deal['id']}/shipping-plan", world.vendors[0])["lines"]
    assert plan[0]["remaining"] == plan[0]["quantity"]  # its goods are to ship again


def test_a_proof_that_is_not_an_image_is_refused_and_changes_nothing(new_page, api, world, tmp_path):
    deal, shipment = api.shipped_deal(world, tracking_number="NHA-2026-0900")
    fake = tmp_path / "chu-ky.png"
    fake.write_bytes(b"not really a picture of a signature")
    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/shipments/{shipment['id']}")
    vendor.fill(".proof-form input[name=receiver_name]", "Trần Thị Nhận")
    vendor.set_input_files(".proof-form input[name=image]", str(fake))
    with vendor.expect_navigation() as nav:
        vendor.click(".proof-form button[type=submit]")
    assert nav.value.status == 422
    assert "PNG hoặc JPEG" in vendor.inner_text(".proof-form .error")
    assert vendor.input_value(".proof-form input[name=receiver_name]") == "Trần Thị Nhận"
    after = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"][0]
    assert after["status"] == "pre_transit" and after["proof"] is None
