"""A buyer who received 900 of 1,000 units accepts that part from the deal page (in Vietnamese): the page
previews exactly what is released before confirming, then the money moves and the rest is disputed."""

from __future__ import annotations

from marketplace.escrow import ledger
from marketplace.money import commission_for
from tests.factories import PASSWORD, assert_ledger_sound

from .conftest import login, screenshot, untranslated
from .helpers import accept_dialogs, submit

TWO_MILESTONES = [{"name": "deposit", "percent": 30, "due": "on_award"},
                  {"name": "balance", "percent": 70, "due": "before_shipment"}]
TOTAL = 17500 * 1000 + 500000
RELEASED = TOTAL * 9 // 10


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def test_the_buyer_accepts_part_of_the_goods_from_the_deal_page(new_page, api, world, db):
    deal, _ = api.shipped_deal(world, terms=TWO_MILESTONES)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    url = f"/deals/{deal['id']}"
    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(url)
    buyer.click("#partial-acceptance summary")
    assert untranslated(buyer) == []

    # nothing withheld is refused in place, in Vietnamese, and nothing moves
    submit(buyer, "button[name=do][value=preview]")
    assert buyer.locator(".partial-form .errors").count() == 1
    assert untranslated(buyer) == []

    buyer.fill(".partial-line input.quantity", "900")
    buyer.fill("textarea[name=description]", "Thiếu 100 vòng bi so với phiếu giao hàng")
    submit(buyer, "button[name=do][value=preview]")
    commission = sum(commission_for(s, deal["commission_bps"]) for s in (RELEASED * 3 // 10, RELEASED * 7 // 10))
    assert _vnd(RELEASED) in buyer.inner_text(".preview-released")
    assert _vnd(450000) in buyer.inner_text(".preview-freight")
    assert _vnd(RELEASED - commission) in buyer.inner_text(".preview-net")
    assert _vnd(TOTAL - RELEASED) in buyer.inner_text(".preview-held")
    assert untranslated(buyer) == []
    assert ledger.deal_summary(deal["id"], "VND")["held"] == TOTAL  # a preview moves nothing
    screenshot(buyer, "partial-acceptance-preview")

    submit(buyer, "button[name=do][value=confirm]")
    assert "Đang tranh chấp" in buyer.inner_text(".deal-head")
    assert _vnd(TOTAL - RELEASED) in buyer.inner_text(".money-held")
    assert _vnd(RELEASED - commission) in buyer.inner_text(".money-released")
    assert "Thiếu 100 vòng bi" in buyer.inner_text(".dispute-description")
    assert _vnd(TOTAL - RELEASED) in buyer.inner_text(".partial-held")  # what was accepted stays on the page
    assert buyer.locator("button[name=do][value=preview]").count() == 0
    assert untranslated(buyer) == []

    db.session.expire_all()
    assert api.get(url, world.buyer)["status"] == "disputed"
    s = ledger.deal_summary(deal["id"], "VND")
    assert (s["released"], s["commission"], s["held"]) == (RELEASED - commission, commission, TOTAL - RELEASED)
    assert_ledger_sound(db)
