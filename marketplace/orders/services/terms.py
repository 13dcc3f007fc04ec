"""A vendor's default payment terms for catalog orders: what a confirmed order's deal is paid by."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import select

from ...accounts.models import MemberRole
from ...actors import Actor, ActorRole
from ...deals.services.deals import DEFAULT_PAYMENT_TERMS
from ...errors import ForbiddenError, InvalidInputError, NotFoundError
from ...escrow.schemas import MilestoneTermInSchema, payment_terms_error
from ...extensions import db
from ...vendors.models import VendorProfile
from ..models import VendorOrderTerms

#: the vendor members who set the terms its catalog is sold on
TERMS_ROLES = frozenset({MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES})


def order_terms(vendor_id: int) -> list[dict]:
    """The terms a confirmed catalog order of ``vendor_id`` is paid by (default: 100 % before shipment)."""
    row = db.session.get(VendorOrderTerms, vendor_id)
    return [dict(t) for t in (row.payment_terms if row else DEFAULT_PAYMENT_TERMS)]


def vendor_order_terms(vendor_id: int) -> dict:
    """A vendor's catalog payment terms as anyone signed in may read them (buyers see them before ordering).

    :raises NotFoundError: not a vendor.
    """
    if db.session.get(VendorProfile, vendor_id) is None:
        raise NotFoundError("no such vendor")
    custom = db.session.execute(select(VendorOrderTerms.vendor_id).where(VendorOrderTerms.vendor_id == vendor_id)
                                ).first() is not None
    return {"vendor_id": vendor_id, "payment_terms": order_terms(vendor_id), "default": not custom}


def set_order_terms(actor: Actor, vendor_id: int, terms: list[dict]) -> dict:
    """The vendor's owner, admin or sales member sets the terms its catalog orders are paid by; orders confirmed
    from now on use them (deals already made keep theirs).

    :raises NotFoundError: another organisation's vendor profile.
    :raises ForbiddenError: a member who does not sell.
    :raises InvalidInputError: a term malformed, percentages not adding up to 100, or nothing before shipment.
    """
    if actor.role != ActorRole.ADMIN and actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    if actor.role != ActorRole.ADMIN and actor.member_role not in TERMS_ROLES:
        raise ForbiddenError("only owners, admins and sales members set the payment terms")
    if db.session.get(VendorProfile, vendor_id) is None:
        raise NotFoundError("no such vendor")
    try:
        clean = MilestoneTermInSchema(many=True).load(terms)
    except ValidationError as exc:
        raise InvalidInputError("these payment terms are not valid", fields={"payment_terms": exc.messages}) from None
    if not clean or len(clean) > 6:
        raise InvalidInputError.at(("payment_terms",), "one to six milestones")
    problem = payment_terms_error(clean)
    if problem:
        raise InvalidInputError.at(("payment_terms",), problem)
    row = db.session.get(VendorOrderTerms, vendor_id)
    if row is None:
        db.session.add(VendorOrderTerms(vendor_id=vendor_id, payment_terms=clean))
    else:
        row.payment_terms = clean
    db.session.flush()
    return vendor_order_terms(vendor_id)
