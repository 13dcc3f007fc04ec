"""A buyer whose vendor never shipped cancels from the deal page once the ship-by date and its grace period
have passed, and sees the whole escrowed amount come back (before then the page offers no cancel)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from marketplace.database import utcnow
from marketplace.deals.models import Deal
from marketplace.escrow import ledger
from tests.factories import PASSWORD, assert_ledger_sound

from .conftest import login, untranslated
from .helpers import accept_dialogs, submit


def test_the_buyer_cancels_an_unshipped_deal_from_its_page_and_is_refunded(new_page, api, world, db, app):
    deal = api.funded_deal(world)
    url = f"/deals/{deal['id']}"
    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer.email, PASSWORD)

    # within ship-by + grace the vendor may still ship: no cancel button, the next step says so
    buyer.goto(url)
    assert buyer.locator("button[name=do][value=cancel]").count() == 0

    grace = timedelta(days=app.config["SHIP_GRACE_DAYS"])
    db.session.execute(update(Deal).where(Deal.id == deal["id"])
                       .values(ship_by_at=utcnow() - grace - timedelta(hours=1)))
    db.session.commit()
    buyer.goto(url)
    assert "Nhà cung cấp không giao hàng đúng hạn" in buyer.inner_text(".next-action")
    assert untranslated(buyer) == []
    submit(buyer, "button[name=do][value=cancel]")
    assert "Đã hủy" in buyer.inner_text(".deal-head")

    db.session.expire_all()
    assert api.get(url, world.buyer)["status"] == "cancelled"
    summary = ledger.deal_summary(deal["id"], "VND")
    assert summary["refunded"] == summary["funded"] > 0
    assert summary["released"] == summary["held"] == 0
    assert_ledger_sound(db)
