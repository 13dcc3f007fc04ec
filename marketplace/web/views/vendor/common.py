"""What the vendor's pages share: status labels, timeline and next-step wording, form prefill helpers."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from ....accounts.models import OrgKind
from ....escrow.gateways.bank.models import PayoutBatchStatus, PayoutStatus
from ....money import format_amount
from ....statemachine import events_for
from ....vendors.models import (
    DocumentKind,
    ImportStatus,
    ProductStatus,
    VerificationStatus,
)
from ...i18n import number, register_labels

VENDOR = OrgKind.VENDOR

register_labels("verification", {
    VerificationStatus.UNVERIFIED: _l("Not verified"), VerificationStatus.PENDING: _l("Waiting for review"),
    VerificationStatus.VERIFIED: _l("Verified"), VerificationStatus.REJECTED: _l("Rejected"),
    VerificationStatus.SUSPENDED: _l("Suspended"),
})
register_labels("product", {ProductStatus.DRAFT: _l("Draft"), ProductStatus.ACTIVE: _l("Listed"),
                            ProductStatus.ARCHIVED: _l("Archived")})
register_labels("import", {ImportStatus.QUEUED: _l("Queued"), ImportStatus.RUNNING: _l("Importing"),
                           ImportStatus.DONE: _l("Done"), ImportStatus.FAILED: _l("Failed")})
register_labels("document_kind", {
    DocumentKind.BUSINESS_REGISTRATION: _l("Business registration"), DocumentKind.TAX_CERTIFICATE: _l("Tax certificate"),
    DocumentKind.CERTIFICATION: _l("Certification"), DocumentKind.OTHER: _l("Other document"),
})
register_labels("payout", {PayoutStatus.CREATED: _l("Created"), PayoutStatus.PAID: _l("Paid")})
register_labels("payout_batch", {PayoutBatchStatus.CREATED: _l("Created"), PayoutBatchStatus.PAID: _l("Paid")})


#: what happened, by event name, on the timelines of the vendor's pages
EVENTS = {
    "create": _l("Created"), "publish": _l("Published"), "close": _l("closed to quotes"), "award": _l("Awarded"),
    "cancel": _l("Cancelled"), "expire": _l("Expired"), "matched": _l("vendors matched and invited"),
    "revise": _l("revised the quote"), "accept": _l("accepted the quote"), "reject": _l("did not select the quote"),
    "withdraw": _l("withdrew the quote"), "revision_requested": _l("asked for a better offer"),
    "submit": _l("submitted for verification"), "verify": _l("verified the vendor"),
    "suspend": _l("suspended the vendor"), "reinstate": _l("reinstated the vendor"),
    "profile_updated": _l("updated the profile"), "document_added": _l("uploaded a document"),
}
#: who did it, by actor role
ACTORS = {"buyer": _l("Buyer"), "vendor": _l("Vendor"), "admin": _l("Platform"), "system": _l("System")}

#: the next step's codes in words
NEXT = {
    "submit_quote": _l("Send your quote before the deadline."),
    "revise_requested": _l("The buyer asked for a better offer: revise your quote."),
    "fulfil_deal": _l("Your quote was accepted: a deal was made. Follow it on the deals page."),
}
WAITING = {
    "buyer": _l("Nothing to do now: the buyer is comparing quotes and will decide."),
    None: _l("Nothing to do now."),
}
LAPSE = {
    "rfq_closes": _l("The RFQ closes to quotes; you can no longer quote or revise."),
    "quote_expires": _l("Your quote expires and can no longer be accepted."),
}

#: marshmallow's own messages that these pages can show (extracted here so the catalogue translates them)
SCHEMA_MESSAGES = (_l("Missing data for required field."), _l("Not a valid integer."), _l("Not a valid number."),
                   _l("Field may not be null."), _l("Not a valid datetime."), _l("Unknown field."),
                   _l("String does not match expected pattern."), _l("use an ISO 3166 code such as VN or VN-SG"),
                   _l("Shorter than minimum length 2."),
                   # python-stdnum's words for a bad tax code (MST)
                   _l("The number's checksum or check digit is invalid."), _l("The number has an invalid length."),
                   _l("The number has an invalid format."), _l("One of the parts of the number are invalid or unknown."),
                   # the upload limits' refusals (formatted by the storage with the configured sizes)
                   _l("the file is larger than the limit of 50 MB"), _l("the file is larger than the limit of 10 MB"),
                   _l("at most 52428800 bytes"), _l("at most 10485760 bytes"))


def timeline(subject: str, subject_id: int) -> list[dict]:
    """A subject's events worded for the timeline macro."""
    return [{"at": e.at, "actor": ACTORS.get(e.actor_role, e.actor_role),
             "text": EVENTS.get(e.name, e.name.replace("_", " "))} for e in events_for(subject, subject_id)]


def next_step_words(step) -> dict:
    """A service's :class:`NextStep` as the words of the ``next_action`` macro."""
    what = NEXT.get(step.action) if step.action else WAITING.get(step.waiting_for, WAITING[None])
    return {"what": what or step.action, "deadline": step.deadline, "lapse": LAPSE.get(step.lapse)}


def typed(minor: int, currency: str) -> str:
    """An amount as a person would type it in the page's language (``17.500`` in vi), to prefill a form."""
    return number(Decimal(format_amount(minor, currency)))


def day_instant(value, end: bool = False) -> datetime | None:
    """A date typed by the vendor as an instant in its time zone (start or end of that day)."""
    if value is None:
        return None
    return datetime.combine(value, time.max if end else time.min, tzinfo=get_timezone())
