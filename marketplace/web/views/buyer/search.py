"""Buyer pages: catalog search and product pages, with the price at the quantity typed."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from ....accounts.auth import current, current_actor
from ....errors import ConflictError, DomainError
from ....extensions import db
from ....vendors import services as vendors
from ....vendors.schemas import ProductQuerySchema
from ...forms import AmountField, Form, load, show_error
from ...session import page_login_required
from . import bp
from .common import BUYER, WRITERS, category_choices

#: the search's sort orders
SORTS = [("", _l("Best match")), ("newest", _l("Newest")), ("price", _l("Price: low to high")),
         ("-price", _l("Price: high to low"))]


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET form: it reads, never changes anything

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)],
                    render_kw={"placeholder": _l("e.g. vong bi 6205"), "type": "search"})
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1, max=10**12,
                            message=_l("Enter a quantity of at least 1."))], render_kw={"min": 1, "type": "number"})
    category_id = SelectField(_l("Category"), coerce=str, validate_choice=False)
    region = StringField(_l("Delivery region"), validators=[Optional(), Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
                         message=_l("A region code such as VN or VN-SG."))], render_kw={"placeholder": "VN-SG"})
    max_moq = IntegerField(_l("Largest MOQ"), validators=[Optional(), NumberRange(min=1, message=_l(
        "Enter a quantity of at least 1."))], render_kw={"min": 1, "type": "number"})
    price_min = AmountField(_l("Lowest unit price (VND)"), validators=[Optional()])
    price_max = AmountField(_l("Highest unit price (VND)"), validators=[Optional()])
    in_stock = BooleanField(_l("In stock for this quantity"))
    sort = SelectField(_l("Sort by"), choices=SORTS, validate_choice=False)


@bp.get("/search", endpoint="search")
@page_login_required(BUYER)
def search():
    """Catalog search: accent-insensitive text, filters, the price at the quantity typed, keyset pages."""
    form = SearchForm(formdata=request.args)
    form.category_id.choices = category_choices(_("All categories"))
    results, prices, next_cursor = None, {}, None
    if request.args and form.validate():
        params = {key: value for key, value in {
            "q": form.q.data, "quantity": form.quantity.data, "category_id": int(form.category_id.data)
            if (form.category_id.data or "").isdigit() else None, "region": form.region.data or None,
            "max_moq": form.max_moq.data, "price_min": form.price_min.data, "price_max": form.price_max.data,
            "in_stock": True if form.in_stock.data else None, "sort": form.sort.data or None,
            "cursor": request.args.get("cursor"), "limit": request.args.get("limit", type=int),
        }.items() if value not in (None, "")}
        try:
            found = vendors.search_products(load(ProductQuerySchema(), params))
        except (DomainError, ValidationError) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            results, next_cursor = found["items"], found["next_cursor"]
            prices = vendors.prices_for(results, {p.id: form.quantity.data or p.moq for p in results},
                                        current_actor().org_id)
    elif not request.args:
        results = None
    status = 422 if form.errors or form.page_errors else 200
    return render_template("buyer/search.html", form=form, results=results, prices=prices,
                           next_cursor=next_cursor), status


@bp.get("/products/<int:product_id>")
@page_login_required(BUYER)
def product(product_id: int):
    """A product: details, volume tiers, MOQ, pack size, lead time, the vendor and this buyer's price."""
    actor = current_actor()
    item = vendors.get_visible_product(product_id, actor)
    quantity = request.args.get("quantity", type=int) or item.moq
    quantity = max(1, min(quantity, 10**12))
    try:
        price = vendors.price_for(item, quantity, actor.org_id)
    except ConflictError:
        price = None
    public = item.unit_price_for(max(quantity, item.moq))
    return render_template("buyer/product.html", product=item, price=price, quantity=quantity, public=public,
                           can_write=current().role in WRITERS)
