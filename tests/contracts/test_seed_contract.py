"""The demo data has an active framework contract between the demo buyer and a vendor, with one call-off."""

from sqlalchemy import select

from marketplace.contracts.models import CallOff, Contract
from marketplace.deals.models import Deal
from marketplace.seed import seed_demo


def test_the_demo_has_an_active_contract_with_a_call_off(app, db):
    seed_demo()
    db.session.commit()
    contract = db.session.execute(select(Contract)).scalar_one()
    assert (contract.status, contract.terms.buyer_accepted_at is not None) == ("active", True)
    call_off = db.session.execute(select(CallOff)).scalar_one()
    assert call_off.subtotal == 6000 * 11_500 + 100 * 170_000  # the carton's 5 000 tier applies
    assert db.session.get(Deal, call_off.deal_id).contract_id == contract.id
