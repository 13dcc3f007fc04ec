"""Vendor and catalog schemas."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..money import CURRENCY_EXPONENTS, MoneyError, format_amount, parse_amount

REGION = validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", error="use an ISO 3166 code such as VN or VN-SG")


class VendorProfileUpdateSchema(Schema):
    legal_name = fields.String(validate=validate.Length(min=2, max=300))
    tax_code = fields.String(validate=validate.Regexp(r"^[0-9A-Za-z-]{5,32}$"))
    description = fields.String(validate=validate.Length(max=5000))
    regions = fields.List(fields.String(validate=REGION), validate=validate.Length(max=100))
    certifications = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=50))
    monthly_capacity = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**12))


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


class PriceTierInSchema(Schema):
    min_qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    unit_price = fields.String(required=True, validate=validate.Length(max=30))


class ProductCreateSchema(Schema):
    sku = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._/-]{1,64}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_vi = fields.String(validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
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
        currency = data.get("currency", "VND")
        seen = set()
        for i, tier in enumerate(data["price_tiers"]):
            try:
                tier["unit_price_minor"] = parse_amount(tier["unit_price"], currency)
            except MoneyError as exc:
                raise ValidationError({str(i): {"unit_price": [str(exc)]}}, "price_tiers") from None
            if tier["unit_price_minor"] < 0:
                raise ValidationError({str(i): {"unit_price": ["must not be negative"]}}, "price_tiers")
            if tier["min_qty"] in seen:
                raise ValidationError({str(i): {"min_qty": ["duplicate quantity break"]}}, "price_tiers")
            seen.add(tier["min_qty"])


class ProductUpdateSchema(ProductCreateSchema):
    class Meta:
        partial = True


class ProductSchema(Schema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    sku = fields.String()
    name = fields.String()
    name_vi = fields.String()
    description = fields.String()
    hs_code = fields.String()
    unit = fields.String()
    pack_size = fields.Integer()
    moq = fields.Integer()
    stock_qty = fields.Integer()
    lead_time_days = fields.Integer()
    currency = fields.String()
    status = fields.String()
    price_tiers = fields.Method("_tiers")

    def _tiers(self, product):
        return [{"min_qty": t.min_qty, "unit_price": format_amount(t.unit_price, product.currency)} for t in product.tiers]


class ProductQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200))
    vendor_id = fields.Integer()
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    max_moq = fields.Integer(validate=validate.Range(min=1))
    region = fields.String(validate=REGION)
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PriceQuerySchema(Schema):
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10**12))


class PriceQuoteSchema(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    unit_price = fields.String()
    total = fields.String()
    currency = fields.String()
    below_moq = fields.Boolean()
