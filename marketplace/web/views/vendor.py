"""Pages: vendor. Onboarding, the catalog and its import, price lists, invitations and the open board,
quotes with their revisions, payouts. Every page calls the same services as the JSON API."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ...accounts.auth import current_actor
from ...accounts.models import MANAGERS, SELLERS, MemberRole, OrgKind
from ...database import utcnow
from ...escrow.gateways.bank import payouts as bank_payouts
from ...escrow.models import MilestoneDue
from ...http.downloads import send_download
from ...money import CURRENCY_EXPONENTS, format_amount
from ...rfq import services as rfq
from ...rfq.models import INCOTERMS, QuoteStatus, RfqStatus, RfqVisibility
from ...rfq.schemas import QuoteCreateSchema
from ...statemachine import events_for
from ...vendors import services as vendors
from ...vendors.models import (
    DocumentKind,
    ImportStatus,
    ProductStatus,
    VerificationStatus,
)
from ...vendors.schemas import (
    PriceListCreateSchema,
    ProductCreateSchema,
    ProductUpdateSchema,
    VendorProfileUpdateSchema,
)
from ..forms import AmountField, CountField, Form, attempt, load, page
from ..i18n import number, register_labels, status_label
from ..session import page_login_required

bp = Blueprint("web_vendor", __name__, url_prefix="/vendor")

VENDOR = OrgKind.VENDOR
#: members who may open the payouts page (the menu shows it to them only)
PAYOUT_READERS = (MemberRole.OWNER, MemberRole.ADMIN)

register_labels({
    VerificationStatus.UNVERIFIED: _l("Not verified"), VerificationStatus.PENDING: _l("Waiting for review"),
    VerificationStatus.VERIFIED: _l("Verified"), VerificationStatus.REJECTED: _l("Rejected"),
    VerificationStatus.SUSPENDED: _l("Suspended"),
    ProductStatus.DRAFT: _l("Draft"), ProductStatus.ACTIVE: _l("Listed"), ProductStatus.ARCHIVED: _l("Archived"),
    ImportStatus.QUEUED: _l("Queued"), ImportStatus.RUNNING: _l("Importing"), ImportStatus.DONE: _l("Done"),
    ImportStatus.FAILED: _l("Failed"),
    DocumentKind.BUSINESS_REGISTRATION: _l("Business registration"), DocumentKind.TAX_CERTIFICATE: _l("Tax certificate"),
    DocumentKind.CERTIFICATION: _l("Certification"), DocumentKind.OTHER: _l("Other document"),
    QuoteStatus.SUBMITTED: _l("Submitted"), QuoteStatus.REVISED: _l("Revised"), QuoteStatus.ACCEPTED: _l("Accepted"),
    QuoteStatus.REJECTED: _l("Not selected"), QuoteStatus.WITHDRAWN: _l("Withdrawn"), QuoteStatus.EXPIRED: _l("Expired"),
    RfqStatus.DRAFT: _l("Draft"), RfqStatus.OPEN: _l("Open"), RfqStatus.CLOSED: _l("Closed"),
    RfqStatus.AWARDED: _l("Awarded"), RfqStatus.CANCELLED: _l("Cancelled"),
    MilestoneDue.ON_AWARD: _l("On award"), MilestoneDue.BEFORE_SHIPMENT: _l("Before shipment"),
    "created": _l("Created"), "paid": _l("Paid"),
})

#: who may quote on an RFQ, in words ("open" is also a status, so these are not status labels)
VISIBILITY = {RfqVisibility.INVITE_ONLY: _l("Invited vendors only"), RfqVisibility.OPEN: _l("Open to every verified vendor")}

#: the onboarding checklist's steps in words
STEPS = {
    "profile": _l("Company profile: legal name and tax code"),
    "regions": _l("Regions you deliver to"),
    "capacity": _l("Monthly capacity"),
    "documents": _l("Business registration document uploaded"),
    "submitted": _l("Submitted for verification"),
    "verified": _l("Verified by the platform"),
}

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

#: the matcher's HS levels in words
HS_LEVELS = {"subheading": _l("HS subheading"), "heading": _l("HS heading"), "chapter": _l("HS chapter")}

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


def _actor():
    return current_actor()


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


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


# --- onboarding -----------------------------------------------------------------------------------


class ProfileForm(Form):
    legal_name = StringField(_l("Legal name"), validators=[Length(max=300)])
    tax_code = StringField(_l("Tax code (MST)"), validators=[Length(max=32)])
    description = TextAreaField(_l("About the company"), validators=[Length(max=5000)])
    regions = StringField(_l("Regions you deliver to"), validators=[Length(max=1000)])
    certifications = StringField(_l("Certifications"), validators=[Length(max=3000)])
    monthly_capacity = CountField(_l("Monthly capacity (units)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter a number of at least %(min)s."))])


class DocumentForm(Form):
    kind = SelectField(_l("Kind of document"), choices=[(k.value, k.value) for k in DocumentKind])
    file = FileField(_l("File (PDF, PNG or JPEG, at most 10 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, status_label(k.value)) for k in DocumentKind]


def _onboarding(profile_form: ProfileForm | None = None, document_form: DocumentForm | None = None,
                submit_errors: list[str] | None = None):
    actor = _actor()
    vendor = vendors.get_vendor(actor.org_id)
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, obj=vendor)
        profile_form.regions.data = ", ".join(vendor.regions or [])
        profile_form.certifications.data = ", ".join(vendor.certifications or [])
    documents = vendors.list_vendor_documents(actor.org_id, actor, {"limit": 100})["items"]
    checklist = [(code, STEPS[code], done) for code, done in vendors.onboarding_checklist(actor.org_id, actor)]
    form = document_form if document_form is not None and document_form.has_errors else profile_form
    status = 422 if (profile_form.has_errors or (document_form is not None and document_form.has_errors)
                     or submit_errors) else 200
    body, _status = page("vendor/onboarding.html", form, profile_form=profile_form,
                         document_form=document_form or DocumentForm(formdata=None), vendor=vendor,
                         documents=documents, checklist=checklist, submit_errors=submit_errors or [],
                         can_submit=vendors.can_submit_verification(vendor) and actor.member_role in MANAGERS,
                         can_edit=actor.member_role in MANAGERS, timeline=timeline("vendor", vendor.id))
    return body, status


@bp.get("/")
@page_login_required(VENDOR)
def onboarding():
    """The onboarding checklist: profile, documents, submission, the status and the admin's reason."""
    return _onboarding()


@bp.post("/profile")
@page_login_required(VENDOR, roles=MANAGERS)
def profile():
    """Save the company profile (the API's PATCH /vendors/<id>)."""
    form = ProfileForm()
    if form.validate_on_submit():
        data = {"regions": _csv(form.regions.data), "certifications": _csv(form.certifications.data)}
        for name in ("legal_name", "tax_code", "description"):
            value = (getattr(form, name).data or "").strip()
            if value:
                data[name] = value
        if form.monthly_capacity.data is not None:
            data["monthly_capacity"] = form.monthly_capacity.data
        actor = _actor()
        done = attempt(form, lambda: vendors.update_vendor_profile(
            actor.org_id, actor, load(VendorProfileUpdateSchema(), data)), aliases={"regions-0": "regions"})
        if done is not None:
            return redirect(url_for(".onboarding", saved=1))
    return _onboarding(profile_form=form)


@bp.post("/documents")
@page_login_required(VENDOR, roles=MANAGERS)
def upload_document():
    """Upload a verification document (PDF, PNG or JPEG, judged by its bytes)."""
    form = DocumentForm()
    if form.validate_on_submit():
        actor = _actor()
        upload = form.file.data
        done = attempt(form, lambda: vendors.add_vendor_document(actor.org_id, actor, form.kind.data,
                                                                 upload.filename, upload.stream))
        if done is not None:
            return redirect(url_for(".onboarding"))
    return _onboarding(document_form=form)


@bp.get("/documents/<int:document_id>")
@page_login_required(VENDOR)
def document(document_id: int):
    """A document's bytes (the vendor's own only)."""
    actor = _actor()
    return send_download(vendors.download_vendor_document(actor.org_id, document_id, actor))


@bp.post("/verification")
@page_login_required(VENDOR, roles=MANAGERS)
def submit_verification():
    """Send the profile for verification."""
    form = Form()
    actor = _actor()
    if attempt(form, lambda: vendors.submit_verification(actor.org_id, actor)) is not None:
        return redirect(url_for(".onboarding"))
    return _onboarding(submit_errors=[*form.page_errors, *(e for errs in form.errors.values() for e in errs)])


# --- catalog --------------------------------------------------------------------------------------


class TierForm(PlainForm):
    min_qty = CountField(_l("From quantity"), validators=[
        Optional(), NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    unit_price = AmountField(_l("Unit price"))


class ProductForm(Form):
    sku = StringField(_l("SKU"), validators=[DataRequired(message=_l("Enter the SKU.")), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the product name.")), Length(max=300)])
    name_vi = StringField(_l("Vietnamese name"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    unit = StringField(_l("Unit (piece, kg, box...)"), validators=[DataRequired(message=_l("Enter the unit.")),
                                                                    Length(max=16)])
    moq = CountField(_l("Minimum order quantity (MOQ)"), default=1, validators=[
        InputRequired(message=_l("Enter the minimum order quantity.")),
        NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    pack_size = CountField(_l("Pack size"), default=1, validators=[
        Optional(), NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    stock_qty = CountField(_l("Stock"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter a number of at least %(min)s."))])
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    hs_code = StringField(_l("HS code"), validators=[Length(max=10)])
    currency = SelectField(_l("Currency"), default="VND", choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)])
    status = SelectField(_l("Status"), default=ProductStatus.DRAFT.value)
    price_tiers = FieldList(FormField(TierForm), min_entries=4, max_entries=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, status_label(s.value)) for s in ProductStatus]


def product_data(form: ProductForm) -> tuple[dict, dict]:
    """The API's product body from the form, and the aliases of the tier rows that were filled."""
    data: dict = {}
    for name in ("sku", "name", "name_vi", "description", "unit", "hs_code"):
        value = (getattr(form, name).data or "").strip()
        if value:
            data[name] = value
    for name in ("moq", "pack_size", "stock_qty", "lead_time_days"):
        if getattr(form, name).data is not None:
            data[name] = getattr(form, name).data
    data["currency"], data["status"] = form.currency.data, form.status.data
    tiers, aliases = [], {}
    for i, entry in enumerate(form.price_tiers.entries):
        row = entry.form
        if row.min_qty.data is None and not row.unit_price.data:
            continue
        tier = {}
        if row.min_qty.data is not None:
            tier["min_qty"] = row.min_qty.data
        if row.unit_price.data:
            tier["unit_price"] = row.unit_price.data
        for field in ("min_qty", "unit_price"):
            aliases[f"price_tiers-{len(tiers)}-{field}"] = f"price_tiers-{i}-{field}"
        tiers.append(tier)
    data["price_tiers"] = tiers
    return data, aliases


@bp.get("/products")
@page_login_required(VENDOR)
def products():
    """The vendor's own catalog: every product with its status, price and stock."""
    params = {"limit": 50, "cursor": request.args.get("cursor"), "status": request.args.get("status") or None}
    return page("vendor/products.html", result=vendors.own_products(_actor(), params),
                can_edit=_actor().member_role in SELLERS)


@bp.route("/products/new", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def new_product():
    """List a product with its quantity price tiers."""
    form = ProductForm()
    if form.validate_on_submit():
        data, aliases = product_data(form)
        actor = _actor()
        if not data["price_tiers"]:
            form.price_tiers.entries[0].form.unit_price.errors = [_("Enter at least one price.")]
        else:
            product = attempt(form, lambda: vendors.create_product(actor, load(ProductCreateSchema(), data)), aliases)
            if product is not None:
                return redirect(url_for(".product", product_id=product.id, saved=1))
    return page("vendor/product_form.html", form, product=None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@page_login_required(VENDOR)
def product(product_id: int):
    """Edit one of the vendor's products (another vendor's is the 404 page)."""
    actor = _actor()
    item = vendors.own_product(actor, product_id)
    if request.method == "POST":
        if actor.member_role not in SELLERS:
            abort(403)
        form = ProductForm()
        if form.validate_on_submit():
            data, aliases = product_data(form)
            if not data["price_tiers"]:
                form.price_tiers.entries[0].form.unit_price.errors = [_("Enter at least one price.")]
            else:
                done = attempt(form, lambda: vendors.update_product(actor, product_id,
                                                                    load(ProductUpdateSchema(), data)), aliases)
                if done is not None:
                    return redirect(url_for(".product", product_id=product_id, saved=1))
    else:
        form = ProductForm(formdata=None, obj=item)
        for i, tier in enumerate(item.tiers):
            if i >= len(form.price_tiers.entries):
                form.price_tiers.append_entry()
            form.price_tiers.entries[i].form.min_qty.data = tier.min_qty
            form.price_tiers.entries[i].form.unit_price.data = typed(tier.unit_price, item.currency)
        if len(form.price_tiers.entries) < len(item.tiers) + 2:
            form.price_tiers.append_entry()
    return page("vendor/product_form.html", form, product=item, can_edit=actor.member_role in SELLERS)


@bp.post("/products/<int:product_id>/archive")
@page_login_required(VENDOR, roles=SELLERS)
def archive_product(product_id: int):
    """Archive a product (kept for history, no longer listed)."""
    actor = _actor()
    form = Form()
    done = attempt(form, lambda: vendors.update_product(actor, product_id,
                                                        load(ProductUpdateSchema(), {"status": "archived"})))
    if done is None:
        abort(409)
    return redirect(url_for(".products"))


# --- import ---------------------------------------------------------------------------------------


class ImportForm(Form):
    file = FileField(_l("Catalog file (.csv in UTF-8, or .xlsx; at most 50 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])


@bp.route("/products/import", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def import_products():
    """Upload a CSV or XLSX catalog; the import runs in the background."""
    form = ImportForm()
    if form.validate_on_submit():
        actor = _actor()
        upload = form.file.data
        imp = attempt(form, lambda: vendors.start_product_import(actor, upload.filename, upload.stream))
        if imp is not None:
            return redirect(url_for(".product_import", import_id=imp.id))
    return page("vendor/import.html", form)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """An upload over the app's request limit: the message on the form it came from, not a bare 413 page."""
    message = _("The file is too large. Upload at most 50 MB.")
    if request.endpoint == "web_vendor.upload_document":
        form = DocumentForm(formdata=None)
        form.file.errors = [_("The file is too large. Upload at most 10 MB.")]
        body, _status = _onboarding(document_form=form)
        return body, 413
    form = ImportForm(formdata=None)
    form.file.errors = [message]
    body, _status = page("vendor/import.html", form)
    return body, 413


@bp.get("/imports/<int:import_id>")
@page_login_required(VENDOR)
def product_import(import_id: int):
    """An import's live progress bar (htmx polls the fragment until the import is done), counts and errors."""
    imp = vendors.get_product_import(_actor(), import_id)
    if request.headers.get("HX-Request"):
        return page("vendor/_import_fragment.html", imp=imp)
    return page("vendor/import_status.html", imp=imp)


@bp.get("/imports/<int:import_id>/errors.csv")
@page_login_required(VENDOR)
def import_errors(import_id: int):
    """The rows that were not imported, with the reason (CSV)."""
    return send_download(vendors.download_import_errors(_actor(), import_id))


# --- price lists ----------------------------------------------------------------------------------


class PriceItemForm(PlainForm):
    product_id = SelectField(_l("Product"), coerce=int, validate_choice=False)
    min_qty = CountField(_l("From quantity"), validators=[
        Optional(), NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    unit_price = AmountField(_l("Unit price"))


class PriceListForm(Form):
    buyer_org_id = SelectField(_l("Buyer organisation"), coerce=int, validate_choice=False)
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)])
    currency = SelectField(_l("Currency"), default="VND", choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    items = FieldList(FormField(PriceItemForm), min_entries=5, max_entries=200)


def _day(value, end: bool = False) -> datetime | None:
    """A date typed by the vendor as an instant in its time zone (start or end of that day)."""
    if value is None:
        return None
    return datetime.combine(value, time.max if end else time.min, tzinfo=get_timezone())


@bp.get("/price-lists")
@page_login_required(VENDOR)
def price_lists():
    """The vendor's negotiated price lists, newest first."""
    actor = _actor()
    result = vendors.list_price_lists(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    buyers = {org.id: org.name for org in rfq.known_buyers(actor)}
    return page("vendor/price_lists.html", result=result, buyers=buyers, now=utcnow(),
                can_edit=actor.member_role in SELLERS)


def price_list_form(actor, current=None):
    """The price list form with the buyers and products to choose from (prefilled from ``current`` on GET)."""
    form = PriceListForm(formdata=None, obj=current) if current is not None and request.method == "GET" \
        else PriceListForm()
    buyers = rfq.known_buyers(actor)
    if current is not None:
        buyers = [b for b in buyers if b.id == current.buyer_org_id]
        form.buyer_org_id.choices = [(b.id, b.name) for b in buyers] or [(current.buyer_org_id, f"#{current.buyer_org_id}")]
    else:
        form.buyer_org_id.choices = [(0, _("Choose a buyer"))] + [(b.id, b.name) for b in buyers]
    if current is not None and request.method == "GET":
        tz = get_timezone()
        form.valid_from.data = current.valid_from.astimezone(tz).date()
        form.valid_until.data = current.valid_until.astimezone(tz).date() if current.valid_until else None
        while len(form.items.entries) < len(current.items) + 2:
            form.items.append_entry()
        for entry, item in zip(form.items.entries, current.items):
            entry.form.product_id.data, entry.form.min_qty.data = item.product_id, item.min_qty
            entry.form.unit_price.data = typed(item.unit_price, current.currency)
    own = vendors.own_products(actor, {"limit": 500})["items"]
    choices = [(0, "—")] + [(p.id, f"{p.sku} · {p.name}") for p in own if p.status != ProductStatus.ARCHIVED]
    for entry in form.items.entries:
        entry.form.product_id.choices = choices
    return form, bool(buyers)


def price_list_data(form: PriceListForm) -> tuple[dict, dict]:
    """The API's price list body from the form (empty rows left out) and the field aliases."""
    data = {"buyer_org_id": form.buyer_org_id.data, "name": form.name.data.strip(), "currency": form.currency.data,
            "items": []}
    if form.valid_from.data:
        data["valid_from"] = _day(form.valid_from.data).isoformat()
    if form.valid_until.data:
        data["valid_until"] = _day(form.valid_until.data, end=True).isoformat()
    aliases = {}
    for i, entry in enumerate(form.items.entries):
        row = entry.form
        if not row.product_id.data and not row.unit_price.data:
            continue
        item = {"product_id": row.product_id.data or 0, "min_qty": row.min_qty.data or 1}
        if row.unit_price.data:
            item["unit_price"] = row.unit_price.data
        for field in ("product_id", "min_qty", "unit_price"):
            aliases[f"items-{len(data['items'])}-{field}"] = f"items-{i}-{field}"
        data["items"].append(item)
    return data, aliases


def _check_price_list(form: PriceListForm, data: dict) -> bool:
    if not data["buyer_org_id"]:
        form.buyer_org_id.errors = [_("Choose a buyer")]
    elif not data["items"]:
        form.items.entries[0].form.product_id.errors = [_("Add at least one product with its price.")]
    else:
        return True
    return False


@bp.route("/price-lists/new", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def new_price_list():
    """Record prices negotiated with one buyer organisation for a period."""
    actor = _actor()
    form, has_buyers = price_list_form(actor)
    if form.validate_on_submit():
        data, aliases = price_list_data(form)
        if _check_price_list(form, data):
            done = attempt(form, lambda: vendors.create_price_list(actor, load(PriceListCreateSchema(), data)), aliases)
            if done is not None:
                return redirect(url_for(".price_list", price_list_id=done.id))
    return page("vendor/price_list_form.html", form, has_buyers=has_buyers, pl=None)


@bp.route("/price-lists/<int:price_list_id>/edit", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def edit_price_list(price_list_id: int):
    """Change a price list's name, validity and items (the buyer stays)."""
    actor = _actor()
    current = vendors.get_price_list(actor, price_list_id)
    if current.vendor_id != actor.org_id:
        abort(404)
    form, has_buyers = price_list_form(actor, current)
    if form.validate_on_submit():
        data, aliases = price_list_data(form)
        if form.valid_from.data == current.valid_from.astimezone(get_timezone()).date():
            data.pop("valid_from", None)  # the same day: keep the exact start
        if _check_price_list(form, data):
            done = attempt(form, lambda: vendors.update_price_list(actor, price_list_id,
                                                                   load(PriceListCreateSchema(), data)), aliases)
            if done is not None:
                return redirect(url_for(".price_list", price_list_id=price_list_id))
    return page("vendor/price_list_form.html", form, has_buyers=True, pl=current)


@bp.get("/price-lists/<int:price_list_id>")
@page_login_required(VENDOR)
def price_list(price_list_id: int):
    """One price list with its items; the vendor may end it."""
    actor = _actor()
    item = vendors.get_price_list(actor, price_list_id)
    buyers = {org.id: org.name for org in rfq.known_buyers(actor)}
    products_by_id = {p.id: p for p in vendors.own_products(actor, {"limit": 500})["items"]}
    return page("vendor/price_list.html", pl=item, buyers=buyers, products=products_by_id, now=utcnow(),
                can_edit=actor.member_role in SELLERS)


@bp.post("/price-lists/<int:price_list_id>/end")
@page_login_required(VENDOR, roles=SELLERS)
def end_price_list(price_list_id: int):
    """End a price list now (it stays as history)."""
    actor = _actor()
    if attempt(Form(), lambda: vendors.end_price_list(actor, price_list_id)) is None:
        abort(409)
    return redirect(url_for(".price_list", price_list_id=price_list_id))


# --- invitations and the open board -------------------------------------------------------------------


@bp.get("/invitations")
@page_login_required(VENDOR)
def invitations():
    """RFQs the vendor was invited to, each with why it was matched."""
    actor = _actor()
    result = rfq.vendor_invitations(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    rows = [(inv, rfq.visible_rfq(actor, inv.rfq_id), rfq.own_quote_on(actor, inv.rfq_id)) for inv in result["items"]]
    return page("vendor/invitations.html", rows=rows, next_cursor=result["next_cursor"], hs_levels=HS_LEVELS)


@bp.get("/board")
@page_login_required(VENDOR)
def board():
    """Open RFQs every verified vendor may quote on."""
    actor = _actor()
    result = rfq.board_page(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    rows = [(item, rfq.own_quote_on(actor, item.id)) for item in result["items"]]
    vendor = vendors.get_vendor(actor.org_id)
    return page("vendor/board.html", rows=rows, next_cursor=result["next_cursor"], verified=vendor.is_verified())


# --- quotes ---------------------------------------------------------------------------------------


class QuoteLineForm(PlainForm):
    rfq_line_id = HiddenField()
    unit_price = AmountField(_l("Unit price"))
    quantity = CountField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    notes = StringField(_l("Notes"), validators=[Length(max=2000)])


class TermForm(PlainForm):
    name = StringField(_l("Milestone"), validators=[Length(max=64)])
    percent = CountField(_l("Percent"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("Enter a number from %(min)s to %(max)s."))])
    due = SelectField(_l("Paid into escrow"), choices=[(d.value, d.value) for d in MilestoneDue])


class QuoteForm(Form):
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        DataRequired(message=_l("Enter the lead time in days.")),
        NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    incoterm = SelectField(_l("Incoterm"), choices=[(t, t) for t in INCOTERMS])
    freight = AmountField(_l("Freight for the whole quote"))
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    payment_terms = FieldList(FormField(TermForm), min_entries=3, max_entries=6)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    lines = FieldList(FormField(QuoteLineForm), min_entries=0, max_entries=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value)) for d in MilestoneDue]


def quote_form(the_rfq, quote=None) -> QuoteForm:
    """The quote form, filled from the RFQ's lines (a new quote) or from the current version (a revision)."""
    if request.method == "POST":
        form = QuoteForm()
    else:
        form = QuoteForm(formdata=None)
        quoted = {line.rfq_line_id: line for line in quote.lines} if quote else {}
        for line in the_rfq.lines:
            entry = form.lines.append_entry()
            entry.form.rfq_line_id.data = str(line.id)
            mine = quoted.get(line.id)
            entry.form.quantity.data = mine.quantity if mine else line.quantity
            if mine:
                entry.form.unit_price.data = typed(mine.unit_price, quote.currency)
                entry.form.lead_time_days.data = mine.lead_time_days
                entry.form.notes.data = mine.notes
        terms = quote.payment_terms if quote else [{"name": _("Full payment"), "percent": 100,
                                                    "due": MilestoneDue.BEFORE_SHIPMENT.value}]
        for i, term in enumerate(terms[:6]):
            while len(form.payment_terms.entries) <= i:
                form.payment_terms.append_entry()
            row = form.payment_terms.entries[i].form
            row.name.data, row.percent.data, row.due.data = term["name"], term["percent"], term["due"]
        form.incoterm.data = quote.incoterm if quote else the_rfq.incoterm
        if quote:
            if quote.valid_until is not None:
                form.valid_until.data = quote.valid_until.astimezone(get_timezone()).date()
            form.lead_time_days.data = quote.lead_time_days
            form.freight.data = typed(quote.freight, quote.currency)
            form.notes.data = quote.notes
        for entry in form.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value)) for d in MilestoneDue]
    return form


def quote_data(form: QuoteForm, current=None) -> tuple[dict, dict]:
    """The API's quote body from the form (lines left without a price are not quoted) and the field aliases;
    a revision that keeps the current validity date keeps its exact instant."""
    data: dict = {"lead_time_days": form.lead_time_days.data, "incoterm": form.incoterm.data,
                  "notes": (form.notes.data or "").strip(), "lines": []}
    if form.freight.data:
        data["freight"] = form.freight.data
    kept = current is not None and current.valid_until is not None and (
        not form.valid_until.data or form.valid_until.data == current.valid_until.astimezone(get_timezone()).date())
    if kept:
        data["valid_until"] = current.valid_until.isoformat()
    elif form.valid_until.data:
        data["valid_until"] = _day(form.valid_until.data, end=True).isoformat()
    aliases: dict[str, str] = {}
    for i, entry in enumerate(form.lines.entries):
        row = entry.form
        if not row.unit_price.data:
            continue
        line = {"rfq_line_id": int(row.rfq_line_id.data), "unit_price": row.unit_price.data,
                "notes": (row.notes.data or "").strip()}
        if row.quantity.data is not None:
            line["quantity"] = row.quantity.data
        if row.lead_time_days.data is not None:
            line["lead_time_days"] = row.lead_time_days.data
        for field in ("rfq_line_id", "unit_price", "quantity", "lead_time_days", "notes"):
            aliases[f"lines-{len(data['lines'])}-{field}"] = f"lines-{i}-{field}"
        data["lines"].append(line)
    terms = []
    for i, entry in enumerate(form.payment_terms.entries):
        row = entry.form
        if not (row.name.data or "").strip() and row.percent.data is None:
            continue
        term = {"name": (row.name.data or "").strip() or str(len(terms) + 1), "due": row.due.data}
        if row.percent.data is not None:
            term["percent"] = row.percent.data
        for field in ("name", "percent", "due"):
            aliases[f"payment_terms-{len(terms)}-{field}"] = f"payment_terms-{i}-{field}"
        terms.append(term)
    if terms:
        data["payment_terms"] = terms
    return data, aliases


@bp.route("/rfqs/<int:rfq_id>", methods=["GET", "POST"])
@page_login_required(VENDOR)
def rfq_page(rfq_id: int):
    """An RFQ the vendor sees: its lines, why the vendor was matched, and the quote form per line."""
    actor = _actor()
    the_rfq = rfq.visible_rfq(actor, rfq_id)
    quote = rfq.own_quote_on(actor, rfq_id)
    if quote is not None and request.method == "GET":
        return redirect(url_for(".quote", quote_id=quote.id))
    form = quote_form(the_rfq)
    if request.method == "POST":
        if actor.member_role not in SELLERS:
            abort(403)
        if form.validate_on_submit():
            data, aliases = quote_data(form)
            if not data["lines"]:
                form.page_errors.append(_("Enter a unit price for at least one line."))
            else:
                made = attempt(form, lambda: rfq.submit_quote(actor, rfq_id, load(QuoteCreateSchema(), data)), aliases)
                if made is not None:
                    return redirect(url_for(".quote", quote_id=made.id))
    step = next_step_words(rfq.rfq_next_step(actor, the_rfq, quote))
    return page("vendor/rfq.html", form, rfq=the_rfq, invitation=rfq.invitation_for(actor, rfq_id), step=step,
                hs_levels=HS_LEVELS, timeline=timeline("rfq", rfq_id), visibility=VISIBILITY,
                may_quote=rfq.may_quote(actor, the_rfq))


def _instant(value):
    """A snapshot's ISO time as a datetime (the page shows it in the viewer's zone)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def version_rows(quote, the_rfq) -> list[dict]:
    """The quote's revisions, newest first, each line with what changed since the revision before."""
    lines = {line.id: line for line in the_rfq.lines}
    out = []
    for version in rfq.version_diffs(quote):
        changed = {c["rfq_line_id"]: c for c in version["changes"] if "rfq_line_id" in c}
        rows = []
        for line in version["snapshot"]["lines"]:
            change = changed.get(line["rfq_line_id"], {})
            rows.append({"line": lines.get(line["rfq_line_id"]), "values": line, "change": change.get("change"),
                         "fields": change.get("fields", {})})
        removed = [lines.get(c["rfq_line_id"]) for c in version["changes"] if c.get("change") == "removed"]
        terms = [{**c, "from": _instant(c["from"]), "to": _instant(c["to"])} if c["field"] == "valid_until" else c
                 for c in version["changes"] if "field" in c]
        out.append({"revision": version["revision"], "at": version["created_at"], "rows": rows, "removed": removed,
                    "terms": terms, "snapshot": version["snapshot"]})
    return list(reversed(out))


#: the quote terms a revision diff may name
TERMS = {"incoterm": _l("Incoterm"), "freight": _l("Freight"), "lead_time_days": _l("Lead time (days)"),
         "payment_terms": _l("Payment terms"), "valid_until": _l("Valid until")}


@bp.get("/quotes")
@page_login_required(VENDOR)
def quotes():
    """The vendor's quotes on every RFQ, newest first."""
    actor = _actor()
    result = rfq.vendor_quotes(actor, {"limit": 50, "cursor": request.args.get("cursor"),
                                       "status": request.args.get("status") or None})
    rows = [(q, rfq.visible_rfq(actor, q.rfq_id)) for q in result["items"]]
    return page("vendor/quotes.html", rows=rows, next_cursor=result["next_cursor"])


@bp.get("/quotes/<int:quote_id>")
@page_login_required(VENDOR)
def quote(quote_id: int):
    """One quote: its current terms, every revision with the line-level diff, the timeline and the next step."""
    actor = _actor()
    item = rfq.visible_quote(actor, quote_id)
    the_rfq = rfq.visible_rfq(actor, item.rfq_id)
    actions = rfq.quote_actions(actor, item) if actor.member_role in SELLERS else []
    return page("vendor/quote.html", quote=item, rfq=the_rfq, versions=version_rows(item, the_rfq), terms=TERMS,
                step=next_step_words(rfq.quote_next_step(actor, item)), actions=actions,
                timeline=timeline("quote", quote_id), lines={line.id: line for line in the_rfq.lines})


@bp.route("/quotes/<int:quote_id>/revise", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def revise_quote(quote_id: int):
    """Replace the quote with a new version (the earlier ones stay readable)."""
    actor = _actor()
    item = rfq.visible_quote(actor, quote_id)
    the_rfq = rfq.visible_rfq(actor, item.rfq_id)
    form = quote_form(the_rfq, item)
    if request.method == "POST" and form.validate_on_submit():
        data, aliases = quote_data(form, item)
        if not data["lines"]:
            form.page_errors.append(_("Enter a unit price for at least one line."))
        else:
            done = attempt(form, lambda: rfq.revise_quote(actor, quote_id, load(QuoteCreateSchema(), data)), aliases)
            if done is not None:
                return redirect(url_for(".quote", quote_id=quote_id))
    return page("vendor/quote_form.html", form, quote=item, rfq=the_rfq)


@bp.post("/quotes/<int:quote_id>/withdraw")
@page_login_required(VENDOR, roles=SELLERS)
def withdraw_quote(quote_id: int):
    """Withdraw the quote."""
    actor = _actor()
    if attempt(Form(), lambda: rfq.withdraw_quote(actor, quote_id)) is None:
        abort(409)
    return redirect(url_for(".quote", quote_id=quote_id))


# --- payouts --------------------------------------------------------------------------------------


@bp.get("/payouts")
@page_login_required(VENDOR, roles=PAYOUT_READERS)
def payouts():
    """The vendor's payouts with their batches and amounts (read-only)."""
    result = bank_payouts.list_payouts(_actor(), {"limit": 100, "cursor": request.args.get("cursor")})
    return page("vendor/payouts.html", result=result)
