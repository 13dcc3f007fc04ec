"""Vendor and catalog schemas: inputs (``*CreateSchema``, ``*UpdateSchema``, ``*QuerySchema``) apart from outputs."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.events import EventSchema
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from ..money import CURRENCY_EXPONENTS
from .models import (
    AddressKind,
    CategorySource,
    DocumentKind,
    ImportFormat,
    ImportStatus,
    PayoutMethod,
    PriceSource,
    ProductSort,
    ProductStatus,
    VerificationDecision,
    VerificationStatus,
)


def _one_of(enum) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum])


CURRENCIES = validate.OneOf(sorted(CURRENCY_EXPONENTS))
REGION = validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", error="use an ISO 3166 code such as VN or VN-SG")


class AddressSchema(Schema):
    kind = fields.String(load_default=AddressKind.REGISTERED.value, validate=_one_of(AddressKind))
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=300))
    line2 = fields.String(validate=validate.Length(max=300))
    ward = fields.String(validate=validate.Length(max=100))
    district = fields.String(validate=validate.Length(max=100))
    province = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=REGION)  #: ISO 3166-2, e.g. VN-SG
    country = fields.String(load_default="VN", validate=validate.Regexp(r"^[A-Z]{2}$"))
    postal_code = fields.String(validate=validate.Length(max=16))


class PayoutAccountSchema(Schema):
    method = fields.String(required=True, validate=_one_of(PayoutMethod))
    bank_name = fields.String(validate=validate.Length(min=2, max=200))
    bank_bin = fields.String(validate=validate.Regexp(r"^\d{6}$", error="the 6-digit NAPAS bank BIN"))
    account_number = fields.String(validate=validate.Regexp(r"^[0-9]{6,19}$", error="6 to 19 digits"))
    account_holder = fields.String(validate=validate.Length(min=2, max=200))
    stripe_account_id = fields.String(validate=validate.Regexp(r"^acct_[A-Za-z0-9]{6,64}$"))

    @validates_schema
    def _complete(self, data, **kwargs):
        needed = (("bank_name", "account_number", "account_holder") if data["method"] == PayoutMethod.BANK_TRANSFER
                  else ("stripe_account_id",))
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
    decision = fields.String(required=True, validate=_one_of(VerificationDecision))
    reason = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _reason(self, data, **kwargs):
        if data["decision"] in (VerificationDecision.REJECT, VerificationDecision.SUSPEND) and not data.get("reason"):
            raise ValidationError("a reason is required", "reason")


class VendorSchema(Schema):
    """A vendor's public profile."""

    id = fields.Integer()
    name = fields.String(attribute="organization.name")
    legal_name = fields.String(allow_none=True)
    tax_code = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    regions = fields.List(fields.String())
    certifications = fields.List(fields.String())
    monthly_capacity = fields.Integer(allow_none=True)
    verification_status = fields.String(attribute="status", metadata={"enum": [s.value for s in VerificationStatus]})
    rejection_reason = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    addresses = fields.List(fields.Dict())
    category_ids = fields.List(fields.Integer())


class VendorPrivateSchema(VendorSchema):
    """A vendor's profile; ``payout_account``, ``submitted_at``, ``pending_changes`` and ``payouts_on_hold`` only
    for the vendor itself and platform admins (absent for everyone else)."""

    payout_account = fields.Dict(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    pending_changes = fields.Dict(allow_none=True, metadata={
        "description": "changes of legal name, tax code or payout account awaiting re-verification: "
                       "{field: {old, new}}; null when there are none"})
    payouts_on_hold = fields.Boolean(metadata={
        "description": "true unless the vendor is verified and its payout account is the one an admin verified"})


VendorPageSchema = page_schema(VendorSchema, "VendorPage")
VendorQueuePageSchema = page_schema(VendorPrivateSchema, "VendorQueuePage")


class VendorQuerySchema(PageQuerySchema):
    region = fields.String(validate=REGION)
    category_id = fields.Integer()
    certification = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=_one_of(VerificationStatus))


class QueueQuerySchema(PageQuerySchema):
    status = fields.String(validate=_one_of(VerificationStatus))


class DocumentUploadSchema(Schema):
    """A verification document: multipart form with ``kind`` and ``file``."""

    kind = fields.String(required=True, validate=_one_of(DocumentKind))
    file = Upload(required=True, metadata={"description": "PDF, PNG or JPEG (judged by its bytes)"})


class VendorDocumentSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in DocumentKind]})
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


VendorDocumentPageSchema = page_schema(VendorDocumentSchema, "VendorDocumentPage")
VendorEventPageSchema = page_schema(EventSchema, "VendorEventPage")


class CategoryNodeSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    code = fields.String()
    name_en = fields.String()
    name_vi = fields.String(allow_none=True)
    hs_code = fields.String(allow_none=True)
    level = fields.Integer()
    source = fields.String(metadata={"enum": [s.value for s in CategorySource]})


class CategorySchema(CategoryNodeSchema):
    """A node with its children (present when ``depth`` asked for them)."""

    children = fields.List(fields.Nested(lambda: CategorySchema()))


CategoryPageSchema = page_schema(CategorySchema, "CategoryPage")


class CategoryQuerySchema(PageQuerySchema):
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
    unit_price = MoneyField(required=True, metadata={"description": "decimal string in the product's currency"})


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
    currency = fields.String(load_default="VND", validate=CURRENCIES)
    status = fields.String(load_default=ProductStatus.DRAFT.value, validate=_one_of(ProductStatus))
    price_tiers = fields.List(fields.Nested(PriceTierInSchema), required=True, validate=validate.Length(min=1, max=20))

    @validates_schema
    def _tiers(self, data, **kwargs):
        """Every tier complete (partial loads relax nested fields) and each quantity break once; the prices
        are read in the product's currency by the service."""
        seen = set()
        for i, tier in enumerate(data.get("price_tiers", ())):
            missing = [f for f in ("min_qty", "unit_price") if f not in tier]
            if missing:
                raise ValidationError({str(i): {f: ["Missing data for required field."] for f in missing}}, "price_tiers")
            if tier["min_qty"] in seen:
                raise ValidationError({str(i): {"min_qty": ["duplicate quantity break"]}}, "price_tiers")
            seen.add(tier["min_qty"])


class ProductUpdateSchema(ProductCreateSchema):
    """Every field optional; marshmallow has no ``Meta.partial``, so partial loading is the default here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class PriceTierSchema(Schema):
    min_qty = fields.Integer()
    unit_price = MoneyField()  #: in the product's currency


class ProductSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    sku = fields.String()
    name = fields.String()
    name_vi = fields.String(allow_none=True)
    description = fields.String()
    hs_code = fields.String(allow_none=True)
    category_id = fields.Integer(allow_none=True)
    unit = fields.String()
    pack_size = fields.Integer()
    moq = fields.Integer()
    stock_qty = fields.Integer(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True)
    currency = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ProductStatus]})
    created_at = fields.DateTime()
    price_tiers = fields.List(fields.Nested(PriceTierSchema), attribute="tiers")


class ProductQuerySchema(PageQuerySchema):
    q = fields.String(validate=validate.Length(max=200))
    vendor_id = fields.Integer()
    category_id = fields.Integer()
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    quantity = fields.Integer(validate=validate.Range(min=1, max=10**12))  #: prices and stock are judged at this quantity
    price_min = MoneyField(metadata={"description": "decimal string in ``currency`` (default VND)"})
    price_max = MoneyField(metadata={"description": "decimal string in ``currency`` (default VND)"})
    currency = fields.String(validate=CURRENCIES)
    max_moq = fields.Integer(validate=validate.Range(min=1))
    region = fields.String(validate=REGION)
    in_stock = fields.Boolean()
    #: listings are only ever shown for verified vendors; accepted for clients that send it
    verified_only = fields.Boolean(load_default=True, validate=validate.Equal(True, error="only verified vendors are listed"))
    sort = fields.String(validate=_one_of(ProductSort))


ProductPageSchema = page_schema(ProductSchema, "ProductPage")


class PriceQuerySchema(Schema):
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10**12))


class PriceQuoteSchema(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    priced_quantity = fields.Integer()
    unit_price = MoneyField()
    total = MoneyField()
    currency = fields.String()
    moq = fields.Integer()
    below_moq = fields.Boolean()
    orderable = fields.Boolean()
    source = fields.String(metadata={"enum": [s.value for s in PriceSource]})
    price_list_id = fields.Integer(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)


class PriceListItemInSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    min_qty = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10**12))
    unit_price = MoneyField(required=True, metadata={"description": "decimal string in the list's currency"})


class PriceListCreateSchema(Schema):
    buyer_org_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = fields.String(load_default="VND", validate=CURRENCIES)
    valid_from = fields.AwareDateTime()
    valid_until = fields.AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(PriceListItemInSchema), required=True, validate=validate.Length(min=1, max=5000))

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] <= data["valid_from"]:
            raise ValidationError("must be after valid_from", "valid_until")
        seen = set()
        for i, item in enumerate(data.get("items", [])):
            if (item["product_id"], item["min_qty"]) in seen:
                raise ValidationError({str(i): {"min_qty": ["duplicate quantity break"]}}, "items")
            seen.add((item["product_id"], item["min_qty"]))


class PriceListItemSchema(Schema):
    product_id = fields.Integer()
    min_qty = fields.Integer()
    unit_price = MoneyField()  #: in the list's currency


class PriceListSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    buyer_org_id = fields.Integer()
    name = fields.String()
    currency = fields.String()
    valid_from = fields.DateTime()
    valid_until = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(PriceListItemSchema))


PriceListPageSchema = page_schema(PriceListSchema, "PriceListPage")


class ImportFileSchema(Schema):
    """A catalog file: multipart form with ``file`` (.csv in UTF-8, or .xlsx)."""

    file = Upload(required=True)


class ProductImportSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in ImportStatus]})
    filename = fields.String()
    file_format = fields.String(metadata={"enum": [f.value for f in ImportFormat]})
    size_bytes = fields.Integer()
    sha256 = fields.String()
    total_rows = fields.Integer(allow_none=True)
    rows_done = fields.Integer()
    created_count = fields.Integer()
    updated_count = fields.Integer()
    error_count = fields.Integer()
    failure = fields.String(allow_none=True)
    progress = fields.Float(metadata={"description": "share of the rows done, 0 to 1"})
    errors_url = fields.Method("_errors_url", metadata={"type": "string"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def _errors_url(self, imp):
        return f"/api/v1/products/imports/{imp.id}/errors.csv"


# --- HS code suggestions (services/hs_classifier.py) ---------------------------------------------------


class HsSuggestionQuerySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_vi = fields.String(validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    within = fields.String(load_default="", validate=validate.Regexp(r"^(\d{2}|\d{4})?$"), metadata={
        "description": "a chapter (2 digits) or heading (4 digits) the suggestions must fall within"})
    limit = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))


class HsSuggestionSchema(Schema):
    hs_code = fields.String(metadata={"description": "six-digit subheading"})
    confidence = fields.Float(metadata={"description": "calibrated probability (0..1) that the code is right"})
    description = fields.String(allow_none=True, metadata={"description": "the HS nomenclature's text (English)"})


class HsModelSchema(Schema):
    trained_at = fields.DateTime()
    products = fields.Integer(metadata={"description": "coded listings learnt from"})
    classes = fields.Integer(metadata={"description": "distinct subheadings among them"})
    held_out = fields.Integer()
    accuracy_6 = fields.Float(allow_none=True, metadata={"description": "held-out accuracy, subheading"})
    accuracy_4 = fields.Float(allow_none=True, metadata={"description": "held-out accuracy, heading"})


class HsSuggestionsSchema(Schema):
    suggestions = fields.List(fields.Nested(HsSuggestionSchema))
    model = fields.Nested(HsModelSchema, allow_none=True, metadata={
        "description": "the classifier that answered; null before the first training run (no suggestions)"})


class ProductHsSuggestionSchema(HsSuggestionSchema):
    product_id = fields.Integer()
    shown_code = fields.String(allow_none=True, metadata={"description": "what the listing shows itself, if anything"})
    inferred_at = fields.DateTime()
