"""Vendor and catalog schemas."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.pagination import PageQuerySchema
from ..money import CURRENCY_EXPONENTS, MoneyError, format_amount, parse_amount

REGION = validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", error="use an ISO 3166 code such as VN or VN-SG")


class AddressSchema(Schema):
    kind = fields.String(load_default="registered", validate=validate.OneOf(["registered", "warehouse", "billing", "office"]))
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=300))
    line2 = fields.String(validate=validate.Length(max=300))
    ward = fields.String(validate=validate.Length(max=100))
    district = fields.String(validate=validate.Length(max=100))
    province = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=REGION)  #: ISO 3166-2, e.g. VN-SG
    country = fields.String(load_default="VN", validate=validate.Regexp(r"^[A-Z]{2}$"))
    postal_code = fields.String(validate=validate.Length(max=16))


class PayoutAccountSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(["bank_transfer", "stripe"]))
    bank_name = fields.String(validate=validate.Length(min=2, max=200))
    bank_bin = fields.String(validate=validate.Regexp(r"^\d{6}$", error="the 6-digit NAPAS bank BIN"))
    account_number = fields.String(validate=validate.Regexp(r"^[0-9]{6,19}$", error="6 to 19 digits"))
    account_holder = fields.String(validate=validate.Length(min=2, max=200))
    stripe_account_id = fields.String(validate=validate.Regexp(r"^acct_[A-Za-z0-9]{6,64}$"))

    @validates_schema
    def _complete(self, data, **kwargs):
        needed = ("bank_name", "account_number", "account_holder") if data["method"] == "bank_transfer" else ("stripe_account_id",)
        missing = {f: ["required for this payout method"] for f in needed if not data.get(f)}
        if missing:
            raise ValidationError(missing)


class VendorProfileUpdateSchema(Schema):
    legal_name = fields.String(validate=validate.Length(min=2, max=300))
    tax_code = fields.String(validate=validate.Regexp(r"^[0-9A-Za-z -]{5,32}$"))
    description = fields.String(validate=validate.Length(max=5000))
    regions = fields.List(fields.String(validate=REGION), validate=validate.Length(max=100))
    certifications = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=50))
    monthly_capacity = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**12))
    addresses = fields.List(fields.Nested(AddressSchema), validate=validate.Length(max=20))
    category_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(max=200))
    payout_account = fields.Nested(PayoutAccountSchema, allow_none=True)


class VerificationDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["verify", "reject", "suspend", "reinstate"]))
    reason = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _reason(self, data, **kwargs):
        if data["decision"] in ("reject", "suspend") and not data.get("reason"):
            raise ValidationError("a reason is required", "reason")


class VendorSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="organization.name")
    legal_name = fields.String()
    tax_code = fields.String()
    description = fields.String()
    regions = fields.List(fields.String())
    certifications = fields.List(fields.String())
    monthly_capacity = fields.Integer()
    verification_status = fields.String(attribute="status")
    rejection_reason = fields.String()
    verified_at = fields.DateTime()
    addresses = fields.List(fields.Dict())
    category_ids = fields.List(fields.Integer())


class VendorPrivateSchema(VendorSchema):
    """What the vendor itself and platform admins see: payout details too."""

    payout_account = fields.Dict(allow_none=True)
    submitted_at = fields.DateTime()


class VendorQuerySchema(PageQuerySchema):
    region = fields.String(validate=REGION)
    category_id = fields.Integer()
    certification = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=validate.OneOf(["unverified", "pending", "verified", "rejected", "suspended"]))


class QueueQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["unverified", "pending", "verified", "rejected", "suspended"]))
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class VendorQueuePageSchema(Schema):
    items = fields.List(fields.Nested(VendorPrivateSchema))
    next_cursor = fields.String(allow_none=True)


class DocumentFormSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["business_registration", "tax_certificate", "certification", "other"]))


class DocumentFileSchema(Schema):
    file = Upload(required=True)


class VendorDocumentSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class CategoryNodeSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    code = fields.String()
    name_en = fields.String()
    name_vi = fields.String(allow_none=True)
    hs_code = fields.String(allow_none=True)
    level = fields.Integer()
    source = fields.String()


class CategorySchema(CategoryNodeSchema):
    """A node with its children (present when ``depth`` asked for them)."""

    children = fields.List(fields.Nested(lambda: CategorySchema()))


class CategoryQuerySchema(Schema):
    parent_id = fields.Integer()
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    depth = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3))


class CategoryCreateSchema(Schema):
    parent_id = fields.Integer(allow_none=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_.-]{1,31}$",
                                                                 error="upper-case letters, digits, _ . -"))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_vi = fields.String(validate=validate.Length(min=1, max=300))
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))


class CategoryUpdateSchema(Schema):
    name_en = fields.String(validate=validate.Length(min=1, max=300))
    name_vi = fields.String(allow_none=True, validate=validate.Length(min=1, max=300))
    hs_code = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{2,10}$"))


class PriceTierInSchema(Schema):
    min_qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    unit_price = fields.String(required=True, validate=validate.Length(max=30))


class ProductCreateSchema(Schema):
    sku = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._/-]{1,64}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_vi = fields.String(validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    category_id = fields.Integer(strict=True, allow_none=True)
    unit = fields.String(required=True, validate=validate.Length(min=1, max=16))
    pack_size = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10**9))
    moq = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10**12))
    stock_qty = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10**12))
    lead_time_days = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=3650))
    currency = fields.String(load_default="VND", validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    status = fields.String(load_default="draft", validate=validate.OneOf(["draft", "active", "archived"]))
    price_tiers = fields.List(fields.Nested(PriceTierInSchema), required=True, validate=validate.Length(min=1, max=20))

    @validates_schema
    def _prices(self, data, partial=False, **kwargs):
        if "price_tiers" not in data:
            return
        # an update without a currency keeps the product's, unknown here: check the shape at the
        # widest exponent (3 decimals) and let the service read the prices in the product's currency
        currency = data.get("currency", None if partial else "VND")
        seen = set()
        for i, tier in enumerate(data["price_tiers"]):
            missing = [f for f in ("min_qty", "unit_price") if f not in tier]  # partial loads relax nested fields
            if missing:
                raise ValidationError({str(i): {f: ["Missing data for required field."] for f in missing}}, "price_tiers")
            try:
                tier["unit_price_minor"] = parse_amount(tier["unit_price"], currency or "KWD")
            except MoneyError as exc:
                raise ValidationError({str(i): {"unit_price": [str(exc)]}}, "price_tiers") from None
            if tier["unit_price_minor"] < 0:
                raise ValidationError({str(i): {"unit_price": ["must not be negative"]}}, "price_tiers")
            if tier["min_qty"] in seen:
                raise ValidationError({str(i): {"min_qty": ["duplicate quantity break"]}}, "price_tiers")
            seen.add(tier["min_qty"])


class ProductUpdateSchema(ProductCreateSchema):
    """Every field optional; marshmallow has no ``Meta.partial``, so partial loading is the default here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ProductSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    sku = fields.String()
    name = fields.String()
    name_vi = fields.String()
    description = fields.String()
    hs_code = fields.String()
    category_id = fields.Integer(allow_none=True)
    unit = fields.String()
    pack_size = fields.Integer()
    moq = fields.Integer()
    stock_qty = fields.Integer()
    lead_time_days = fields.Integer()
    currency = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    price_tiers = fields.Method("_tiers")

    def _tiers(self, product):
        return [{"min_qty": t.min_qty, "unit_price": format_amount(t.unit_price, product.currency)} for t in product.tiers]


class ProductQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200))
    vendor_id = fields.Integer()
    category_id = fields.Integer()
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    quantity = fields.Integer(validate=validate.Range(min=1, max=10**12))  #: prices and stock are judged at this quantity
    price_min = fields.String(validate=validate.Length(max=30))  #: decimal string in ``currency``
    price_max = fields.String(validate=validate.Length(max=30))
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    max_moq = fields.Integer(validate=validate.Range(min=1))
    region = fields.String(validate=REGION)
    in_stock = fields.Boolean()
    #: listings are only ever shown for verified vendors; accepted for clients that send it
    verified_only = fields.Boolean(load_default=True, validate=validate.Equal(True, error="only verified vendors are listed"))
    sort = fields.String(validate=validate.OneOf(["relevance", "newest", "price", "-price"]))
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _prices(self, data, **kwargs):
        currency = data.get("currency", "VND")
        for name in ("price_min", "price_max"):
            if name in data:
                try:
                    data[name] = parse_amount(data[name], currency)
                except MoneyError as exc:
                    raise ValidationError(str(exc), name) from None


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    next_cursor = fields.String(allow_none=True)


class PriceQuerySchema(Schema):
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10**12))


class PriceQuoteSchema(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    priced_quantity = fields.Integer()
    unit_price = fields.String()
    total = fields.String()
    currency = fields.String()
    moq = fields.Integer()
    below_moq = fields.Boolean()
    orderable = fields.Boolean()
    source = fields.String()  #: negotiated | public
    price_list_id = fields.Integer(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)


class PriceListItemInSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    min_qty = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10**12))
    unit_price = fields.String(required=True, validate=validate.Length(max=30))


class PriceListCreateSchema(Schema):
    buyer_org_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = fields.String(load_default="VND", validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    valid_from = fields.AwareDateTime()
    valid_until = fields.AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(PriceListItemInSchema), required=True, validate=validate.Length(min=1, max=5000))

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] <= data["valid_from"]:
            raise ValidationError("must be after valid_from", "valid_until")
        seen = set()
        for i, item in enumerate(data.get("items", [])):
            try:
                item["unit_price_minor"] = parse_amount(item["unit_price"], data.get("currency", "VND"))
            except MoneyError as exc:
                raise ValidationError({str(i): {"unit_price": [str(exc)]}}, "items") from None
            if item["unit_price_minor"] < 0:
                raise ValidationError({str(i): {"unit_price": ["must not be negative"]}}, "items")
            if (item["product_id"], item["min_qty"]) in seen:
                raise ValidationError({str(i): {"min_qty": ["duplicate quantity break"]}}, "items")
            seen.add((item["product_id"], item["min_qty"]))


class PriceListSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    buyer_org_id = fields.Integer()
    name = fields.String()
    currency = fields.String()
    valid_from = fields.DateTime()
    valid_until = fields.DateTime(allow_none=True)
    items = fields.Method("_items")

    def _items(self, price_list):
        return [{"product_id": i.product_id, "min_qty": i.min_qty,
                 "unit_price": format_amount(i.unit_price, price_list.currency)} for i in price_list.items]


class PriceListPageSchema(Schema):
    items = fields.List(fields.Nested(PriceListSchema))


class ImportFileSchema(Schema):
    file = Upload(required=True)


class ProductImportSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    filename = fields.String()
    file_format = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    total_rows = fields.Integer(allow_none=True)
    rows_done = fields.Integer()
    created_count = fields.Integer()
    updated_count = fields.Integer()
    error_count = fields.Integer()
    failure = fields.String(allow_none=True)
    progress = fields.Method("_progress")
    errors_url = fields.Method("_errors_url")
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def _progress(self, imp):
        if imp.status == "done":
            return 1.0
        return round(imp.rows_done / imp.total_rows, 4) if imp.total_rows else 0.0

    def _errors_url(self, imp):
        return f"/api/v1/products/imports/{imp.id}/errors.csv"
