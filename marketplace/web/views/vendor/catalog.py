"""Vendor pages: the catalog — products with their price tiers, the CSV/XLSX import, negotiated price lists."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    DateField,
    FieldList,
    FormField,
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

from ....accounts.auth import current_actor
from ....accounts.models import SELLERS
from ....database import utcnow
from ....http.downloads import send_download
from ....money import CURRENCY_EXPONENTS
from ....rfq import services as rfq
from ....vendors import services as vendors
from ....vendors.models import ProductStatus
from ....vendors.schemas import (
    PriceListCreateSchema,
    ProductCreateSchema,
    ProductUpdateSchema,
)
from ...forms import AmountField, CountField, Form, attempt, load, page
from ...i18n import status_label
from ...session import page_login_required
from . import bp
from .common import VENDOR, day_instant, typed
from .onboarding import DocumentForm, onboarding_page

# --- products -------------------------------------------------------------------------------------


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
        self.status.choices = [(s.value, status_label(s.value, "product")) for s in ProductStatus]


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
    """The vendor's own catalog: every product with its status, price, stock and HS code (or the one
    suggested for it); ``hs=missing`` lists those that show no six-digit code."""
    params = {"limit": 50, "cursor": request.args.get("cursor"), "status": request.args.get("status") or None,
              "hs_missing": request.args.get("hs") == "missing"}
    result = vendors.own_products(current_actor(), params)
    return page("vendor/products.html", result=result, can_edit=current_actor().member_role in SELLERS,
                suggestions=vendors.hs_inferences_for(p.id for p in result["items"]))


@bp.get("/products/hs-suggestions")
@page_login_required(VENDOR)
def hs_suggestions():
    """HS codes suggested for the text typed so far on the product form (an htmx fragment; changes nothing)."""
    form = ProductForm(formdata=request.args, meta={"csrf": False})
    shown = (form.hs_code.data or "").strip()
    within = shown if shown.isdigit() and len(shown) in (2, 4) else ""
    model, suggestions = ([None, []] if not (form.name.data or "").strip() or (shown.isdigit() and len(shown) >= 6)
                          else vendors.suggest_hs(form.name.data, form.description.data or "", form.name_vi.data,
                                                  within=within))
    return render_template("vendor/_hs_suggestions.html", model=model, suggestions=suggestions, shown=shown)


@bp.get("/products/hs-code-field")
@page_login_required(VENDOR, roles=SELLERS)
def hs_code_field():
    """The product form's HS code field holding the suggestion the vendor chose (an htmx fragment)."""
    form = ProductForm(formdata=None, meta={"csrf": False})
    code = request.args.get("hs_code", "")
    form.hs_code.data = code if code.isdigit() and len(code) <= 10 else ""
    return render_template("vendor/_hs_code_field.html", form=form)


@bp.post("/products/<int:product_id>/hs-suggestion/accept")
@page_login_required(VENDOR, roles=SELLERS)
def accept_hs_suggestion(product_id: int):
    """Take the suggested HS code as the listing's own, from the catalog list."""
    form = Form()
    done = attempt(form, lambda: vendors.accept_hs_suggestion(current_actor(), product_id))
    if done is None:
        flash(form.page_errors[0] if form.page_errors else _("No HS code is suggested for this product."), "error")
    else:
        flash(_("HS code %(code)s saved for %(name)s.", code=done.hs_code, name=done.name), "success")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for(".products"))


@bp.route("/products/new", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def new_product():
    """List a product with its quantity price tiers."""
    form = ProductForm()
    if form.validate_on_submit():
        data, aliases = product_data(form)
        actor = current_actor()
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
    actor = current_actor()
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
    actor = current_actor()
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
        actor = current_actor()
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
        body, _status = onboarding_page(document_form=form)
        return body, 413
    form = ImportForm(formdata=None)
    form.file.errors = [message]
    body, _status = page("vendor/import.html", form)
    return body, 413


@bp.get("/imports/<int:import_id>")
@page_login_required(VENDOR)
def product_import(import_id: int):
    """An import's live progress bar (htmx polls the fragment until the import is done), counts and errors."""
    imp = vendors.get_product_import(current_actor(), import_id)
    uncoded = vendors.import_hs_summary(imp.id) if imp.status == "done" else None
    if request.headers.get("HX-Request"):
        return page("vendor/_import_fragment.html", imp=imp, uncoded=uncoded)
    return page("vendor/import_status.html", imp=imp, uncoded=uncoded)


@bp.get("/imports/<int:import_id>/errors.csv")
@page_login_required(VENDOR)
def import_errors(import_id: int):
    """The rows that were not imported, with the reason (CSV)."""
    return send_download(vendors.download_import_errors(current_actor(), import_id))


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


@bp.get("/price-lists")
@page_login_required(VENDOR)
def price_lists():
    """The vendor's negotiated price lists, newest first."""
    actor = current_actor()
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
        data["valid_from"] = day_instant(form.valid_from.data).isoformat()
    if form.valid_until.data:
        data["valid_until"] = day_instant(form.valid_until.data, end=True).isoformat()
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
    actor = current_actor()
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
    actor = current_actor()
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
    actor = current_actor()
    item = vendors.get_price_list(actor, price_list_id)
    buyers = {org.id: org.name for org in rfq.known_buyers(actor)}
    products_by_id = {p.id: p for p in vendors.own_products(actor, {"limit": 500})["items"]}
    return page("vendor/price_list.html", pl=item, buyers=buyers, products=products_by_id, now=utcnow(),
                can_edit=actor.member_role in SELLERS)


@bp.post("/price-lists/<int:price_list_id>/end")
@page_login_required(VENDOR, roles=SELLERS)
def end_price_list(price_list_id: int):
    """End a price list now (it stays as history)."""
    actor = current_actor()
    if attempt(Form(), lambda: vendors.end_price_list(actor, price_list_id)) is None:
        abort(409)
    return redirect(url_for(".price_list", price_list_id=price_list_id))
