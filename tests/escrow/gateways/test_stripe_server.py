"""The Stripe test peer follows Stripe's documented semantics (otherwise the other Stripe tests prove little)."""

from __future__ import annotations

import pytest
import stripe

from tests.factories import buyer_client, buyer_pays


@pytest.fixture
def sc(stripe_server):
    return buyer_client(stripe_server)


@pytest.fixture
def account(sc, stripe_server):
    acct = sc.v1.accounts.create(params={"type": "express", "capabilities": {"transfers": {"requested": True}}})
    stripe_server.complete_onboarding(acct.id)
    return acct.id


def test_same_key_same_params_replays_the_stored_object(sc, stripe_server, account):
    params = {"amount": 1000, "currency": "vnd", "destination": account, "transfer_group": "deal_1"}
    first = sc.v1.transfers.create(params=params, options={"idempotency_key": "tr-test"})
    again = sc.v1.transfers.create(params=params, options={"idempotency_key": "tr-test"})
    assert again.id == first.id
    assert len(stripe_server.transfers()) == 1
    other = sc.v1.transfers.create(params=params, options={"idempotency_key": "tr-other"})
    assert other.id != first.id
    listed = sc.v1.transfers.list(params={"transfer_group": "deal_1"})
    assert sorted(t.id for t in listed.data) == sorted([first.id, other.id])


def test_same_key_other_params_is_an_idempotency_error(sc, account):
    sc.v1.transfers.create(params={"amount": 1000, "currency": "vnd", "destination": account},
                           options={"idempotency_key": "tr-k"})
    with pytest.raises(stripe.IdempotencyError):
        sc.v1.transfers.create(params={"amount": 999, "currency": "vnd", "destination": account},
                               options={"idempotency_key": "tr-k"})


def test_transfers_need_an_active_destination(sc):
    acct = sc.v1.accounts.create(params={"type": "express", "capabilities": {"transfers": {"requested": True}}})
    with pytest.raises(stripe.InvalidRequestError, match="capabilities"):
        sc.v1.transfers.create(params={"amount": 1000, "currency": "vnd", "destination": acct.id})
    with pytest.raises(stripe.InvalidRequestError, match="No such destination"):
        sc.v1.transfers.create(params={"amount": 1000, "currency": "vnd", "destination": "acct_missing"})


def test_refunds_never_exceed_the_charge_and_payment_intents_keep_their_transfer_group(sc, stripe_server):
    pi = sc.v1.payment_intents.create(params={"amount": 10000, "currency": "vnd", "transfer_group": "deal_9"})
    assert sc.v1.payment_intents.retrieve(pi.id).transfer_group == "deal_9"
    buyer_pays(stripe_server, pi.id)
    sc.v1.refunds.create(params={"payment_intent": pi.id, "amount": 6000})
    with pytest.raises(stripe.InvalidRequestError, match="greater than unrefunded"):
        sc.v1.refunds.create(params={"payment_intent": pi.id, "amount": 4001})
    rest = sc.v1.refunds.create(params={"payment_intent": pi.id})  # no amount: what is left
    assert rest.amount == 4000
    with pytest.raises(stripe.InvalidRequestError, match="already been refunded"):
        sc.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1})


@pytest.mark.parametrize("fault, error", [("500", stripe.APIError), ("429", stripe.RateLimitError),
                                          ("409", stripe.StripeError)])
def test_injected_faults_happen_before_anything_is_made(sc, stripe_server, account, fault, error):
    stripe_server.inject("POST", "/v1/transfers", fault)
    params = {"amount": 1000, "currency": "vnd", "destination": account}
    with pytest.raises(error):
        sc.v1.transfers.create(params=params, options={"idempotency_key": "tr-f"})
    assert stripe_server.transfers() == []
    sc.v1.transfers.create(params=params, options={"idempotency_key": "tr-f"})
    assert len(stripe_server.transfers()) == 1
