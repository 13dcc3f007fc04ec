"""Framework contract endpoints: propose (directly, from a price list, or by awarding an RFQ), sign or decline
a version, withdraw, amend, renew, terminate; call-offs against a signed contract and its utilisation."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema
from . import services
from .schemas import (
    AmendmentSchema,
    CallOffCreateSchema,
    CallOffPageSchema,
    CallOffSchema,
    ContractAwardSchema,
    ContractCreateSchema,
    ContractPageSchema,
    ContractQuerySchema,
    ContractReasonSchema,
    ContractsAwardedSchema,
    ContractSchema,
    RenewSchema,
)

blp = Blueprint("contracts", __name__, url_prefix="/api/v1", description="Framework contracts and call-offs")

party = login_required(OrgKind.BUYER, OrgKind.VENDOR)


def _view(contract):
    return services.contract_view(contract, current_actor())


def _committed(contract):
    db.session.commit()
    return _view(db.session.merge(contract))


@blp.route("/contracts", methods=["POST"])
@party
@blp.arguments(ContractCreateSchema)
@blp.response(201, ContractSchema)
def propose(data):
    """Propose a contract to the other side (a buyer names ``vendor_id``, a vendor ``buyer_id``): items written
    out or taken from a negotiated price list, a validity period, a maximum value, payment terms. The proposer's
    signature counts at once when its role allows (above the buyer's approval threshold only an approver signs
    for the buyer); the other side signs or declines within ``CONTRACT_SIGN_DAYS``."""
    return _committed(services.propose_contract(current_actor(), data))


@blp.route("/rfqs/<int:rfq_id>/award-contract", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.arguments(ContractAwardSchema)
@blp.response(201, ContractsAwardedSchema)
def award_contract(data, rfq_id):
    """Award quotes (or lines) as framework contracts: each winning vendor gets a contract at its quoted unit
    prices, payment terms and incoterm, with the RFQ's quantities as the commitment; the vendor signs it."""
    actor = current_actor()
    contracts = services.award_as_contracts(actor, rfq_id, data)
    db.session.commit()
    return {"rfq_id": rfq_id, "contracts": [services.contract_view(db.session.merge(c), actor) for c in contracts]}


@blp.route("/contracts")
@login_required()
@blp.arguments(ContractQuerySchema, location="query")
@blp.response(200, ContractPageSchema)
def list_contracts(params):
    """The contracts the caller's organisation is party to (admins: all), newest first."""
    actor = current_actor()
    page = services.list_contracts(actor, params)
    return {**page, "items": [services.contract_view(c, actor) for c in page["items"]]}


@blp.route("/contracts/<int:contract_id>")
@login_required()
@blp.response(200, ContractSchema)
def get_contract(contract_id):
    """One contract: the version in force, any pending amendment, every version, utilisation (ordered against
    committed and maximum, per item) and what the caller may do now."""
    return _view(services.get_contract(current_actor(), contract_id))


@blp.route("/contracts/<int:contract_id>/versions/<int:number>/sign", methods=["POST"])
@party
@blp.response(200, ContractSchema)
def sign(contract_id, number):
    """The caller's side signs version ``number`` (1: the contract itself; later: an amendment). Both sides
    signed: the contract is active, or the amendment applies to later call-offs. 403 ``approval_required``
    when the contract is above the buyer's approval threshold and the caller is no approver."""
    return _committed(services.accept_version(current_actor(), contract_id, number))


@blp.route("/contracts/<int:contract_id>/versions/<int:number>/decline", methods=["POST"])
@party
@blp.arguments(ContractReasonSchema)
@blp.response(200, ContractSchema)
def decline(data, contract_id, number):
    """The side asked to sign refuses version ``number`` with a reason (a declined first version ends the
    contract; a declined amendment leaves the terms in force)."""
    return _committed(services.decline_version(current_actor(), contract_id, number, data["reason"]))


@blp.route("/contracts/<int:contract_id>/versions/<int:number>/withdraw", methods=["POST"])
@party
@blp.response(200, ContractSchema)
def withdraw(contract_id, number):
    """The proposer takes back version ``number`` before both sides signed it."""
    return _committed(services.withdraw_version(current_actor(), contract_id, number))


@blp.route("/contracts/<int:contract_id>/amendments", methods=["POST"])
@party
@blp.arguments(AmendmentSchema)
@blp.response(201, ContractSchema)
def amend(data, contract_id):
    """Propose new terms (a new version) for an active contract; both sides accept it before it applies, and
    then only to later call-offs. 409 ``amendment_pending`` while another waits."""
    return _committed(services.propose_amendment(current_actor(), contract_id, data))


@blp.route("/contracts/<int:contract_id>/renew", methods=["POST"])
@party
@blp.arguments(RenewSchema)
@blp.response(201, ContractSchema)
def renew(data, contract_id):
    """Propose a follow-on contract with the same items, prices and terms for a new period; both sides sign it."""
    return _committed(services.renew_contract(current_actor(), contract_id, data))


@blp.route("/contracts/<int:contract_id>/terminate", methods=["POST"])
@login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.arguments(ContractReasonSchema)
@blp.response(200, ContractSchema)
def terminate(data, contract_id):
    """End an active contract early, with a reason: no more call-offs; deals already under way go on."""
    return _committed(services.terminate_contract(current_actor(), contract_id, data["reason"]))


@blp.route("/contracts/<int:contract_id>/call-offs", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.arguments(CallOffCreateSchema)
@blp.response(201, CallOffSchema)
def call_off(data, contract_id):
    """Call off goods at the contract's prices: one deal, payable at once, with no new approval while the
    contract's call-offs stay within its maximum value (409 ``contract_limit_exceeded`` otherwise, nothing
    created)."""
    actor = current_actor()
    made = services.place_call_off(actor, contract_id, data)
    db.session.commit()
    contract = services.get_contract(actor, contract_id)
    return services.call_off_views(contract, [made])[0]


@blp.route("/contracts/<int:contract_id>/call-offs")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, CallOffPageSchema)
def list_call_offs(params, contract_id):
    """The contract's call-offs, newest first, each with its deal and the deal's state."""
    actor = current_actor()
    page = services.list_call_offs(actor, contract_id, params)
    contract = services.get_contract(actor, contract_id)
    return {**page, "items": services.call_off_views(contract, page["items"])}
