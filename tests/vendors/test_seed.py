"""The demo seed brings the HS category tree and document-backed, verified vendors."""

from sqlalchemy import func, select

from marketplace.deals.models import Deal
from marketplace.disputes.models import Dispute, DisputeOffer
from marketplace.seed import seed_demo
from marketplace.vendors.models import Category, VendorDocument, VendorProfile
from tests.factories import assert_ledger_sound


def test_demo_seed_loads_categories_and_verified_vendors_with_registration_documents(app, db):
    seed_demo()
    db.session.commit()
    assert db.session.execute(select(func.count(Category.id)).where(Category.source == "hs")).scalar() > 1000
    vendors = db.session.execute(select(VendorProfile)).scalars().all()
    assert vendors and all(v.status == "verified" for v in vendors)
    kinds = set(db.session.execute(select(VendorDocument.kind)).scalars())
    assert kinds == {"business_registration"}


def test_demo_seed_has_a_disputed_deal_whose_offer_waits_for_the_buyer(app, db):
    seed_demo()
    db.session.commit()
    dispute = db.session.execute(select(Dispute)).scalar_one()
    assert dispute.status == "negotiating" and dispute.reason == "quantity_short"
    assert dispute.claimed_amount == 2 * 15_500_000
    offer = db.session.execute(select(DisputeOffer)).scalar_one()
    assert offer.status == "open" and offer.party == "vendor"
    assert db.session.get(Deal, dispute.deal_id).status == "disputed"
    assert_ledger_sound(db)
