"""Property tests through the real ledger: settling milestones in VND, USD and KWD creates or loses nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.accounts.models import Organization, User
from marketplace.deals.models import Deal, Milestone
from marketplace.escrow import ledger
from marketplace.escrow.services import fund_milestone, settle_milestone
from marketplace.money import allocate
from marketplace.rfq.models import Quote, Rfq
from marketplace.vendors.models import VendorProfile


@pytest.fixture
def parties(db):
    buyer = Organization(kind="buyer", name="Property buyer")
    vendor = Organization(kind="vendor", name="Property vendor")
    user = User(email="prop@example.test", name="p", password_hash="x")
    db.session.add_all([buyer, vendor, user])
    db.session.flush()
    db.session.add(VendorProfile(id=vendor.id, regions=["VN"], certifications=[], status="verified"))
    rfq = Rfq(buyer_id=buyer.id, created_by=user.id, title="property", currency="VND", status="awarded")
    db.session.add(rfq)
    db.session.flush()
    quote = Quote(rfq_id=rfq.id, vendor_id=vendor.id, currency="VND", incoterm="DAP", lead_time_days=1,
                  valid_until=db.func.now(), payment_terms=[])
    db.session.add(quote)
    db.session.commit()
    return {"buyer": buyer.id, "vendor": vendor.id, "rfq": rfq.id, "quote": quote.id}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(currency=st.sampled_from(["VND", "USD", "KWD"]),
       total=st.integers(min_value=1, max_value=10**12),
       weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=4),
       bps=st.integers(min_value=0, max_value=10_000),
       shares=st.lists(st.fractions(min_value=0, max_value=1), min_size=4, max_size=4))
def test_settling_milestones_conserves_money(db, parties, currency, total, weights, bps, shares):
    deal = Deal(rfq_id=parties["rfq"], quote_id=parties["quote"], buyer_id=parties["buyer"], vendor_id=parties["vendor"],
                status="accepted", currency=currency, subtotal=total, freight=0, total=total, commission_bps=bps,
                terms={}, gateway="bank_transfer")
    amounts = [a for a in allocate(total, weights) if a > 0]
    deal.milestones = [Milestone(seq=i + 1, name=f"m{i}", percent=1, due="before_shipment", amount=a,
                                 status="awaiting_payment") for i, a in enumerate(amounts)]
    db.session.add(deal)
    db.session.flush()
    vendor_gross = 0
    for m, share in zip(deal.milestones, shares):
        fund_milestone(deal, m, "bank_transfer")
        gross = int(m.amount * share)
        vendor_gross += gross
        settle_milestone(deal, m, gross)
        assert settle_milestone(deal, m, m.amount - gross) is False  # settles once, whatever is asked later
    db.session.commit()

    s = ledger.deal_summary(deal.id, currency)
    assert s["funded"] == total
    assert s["released"] + s["commission"] + s["refunded"] + s["held"] == total
    assert s["held"] == 0 and s["released"] + s["commission"] == vendor_gross
    assert all(m.released_amount - m.commission_amount >= 0 for m in deal.milestones)
    for cur, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"] and row["debits_pending"] == row["credits_pending"], cur
