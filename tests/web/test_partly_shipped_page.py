"""A deal shipped in parts in a real browser: the buyer's next step says what has shipped and what the vendor still
has to ship, in Vietnamese and English; when the buyer confirms delivery, the shipment the vendor booked with the
built-in carrier reads delivered (confirmed by the buyer) on the deal page and its tracking page, not "Booked"."""

from __future__ import annotations

from tests.factories import PASSWORD

from .conftest import login, screenshot
from .helpers import accept_dialogs, submit

CEMENT = [{"description": "Xi măng PCB40 bao 50 kg", "quantity": 800, "unit": "bag"},
          {"description": "Cát vàng xây dựng", "quantity": 30, "unit": "m3"}]


def test_a_partly_shipped_deal_tells_the_buyer_what_is_still_to_ship(new_page, api, world):
    deal = api.funded_deal(world, lines=CEMENT)
    cement, _sand = (line["id"] for line in deal["lines"])
    first = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual", "lines": [
        {"deal_line_id": cement, "quantity": 400}]}, expect=201)
    url = f"/deals/{deal['id']}"

    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(url)
    what = buyer.inner_text(".next-action .what")
    assert "Đã gửi: 400 trên 800 bao (Xi măng PCB40 bao 50 kg)." in what
    assert "Nhà cung cấp còn phải gửi: 400 bao (Xi măng PCB40 bao 50 kg); 30 m3 (Cát vàng xây dựng)." in what
    assert "khi toàn bộ hàng đã về" in what
    screenshot(buyer, "deals-partly-shipped")
    submit(buyer, "button[name=lang][value=en]")
    what = buyer.inner_text(".next-action .what")
    assert what.startswith("Shipped so far: 400 of 800 bags (Xi măng PCB40 bao 50 kg). Still to ship by the vendor: "
                           "400 bags (Xi măng PCB40 bao 50 kg); 30 m3 (Cát vàng xây dựng). Confirm delivery once")
    assert "Booked" in buyer.inner_text(f".shipments tr[data-shipment='{first['id']}']")

    # the buyer confirms delivery anyway: the shipment still booked is closed as delivered, confirmed by the buyer
    submit(buyer, "button[name=do][value=confirm_delivery]")
    assert "Delivered" in buyer.inner_text(".deal-head")
    row = buyer.inner_text(f".shipments tr[data-shipment='{first['id']}']")
    assert "Delivered" in row and "Booked" not in row
    buyer.goto(f"/shipments/{first['id']}")
    assert "Delivered" in buyer.inner_text(".shipment-head")
    newest = buyer.locator("table.tracking tbody tr").first.inner_text()
    assert "Delivered: the buyer confirmed receipt" in newest
    submit(buyer, "button[name=lang][value=vi]")
    newest = buyer.locator("table.tracking tbody tr").first.inner_text()
    assert "Đã giao hàng: bên mua xác nhận đã nhận" in newest
