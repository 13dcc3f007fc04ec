"""Accounts schemas: separate input and output shapes."""

from marshmallow import Schema, fields, validate

from ..http.fields import MoneyField
from ..http.pagination import page_schema
from ..money import CURRENCY_EXPONENTS
from .models import OrgKind

LOCALES = ["vi", "en"]


class OrganizationCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf([OrgKind.BUYER.value, OrgKind.VENDOR.value]))
    country = fields.String(load_default="VN", validate=validate.Regexp(r"^[A-Z]{2}$"))
    currency = fields.String(load_default="VND", validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    locale = fields.String(load_default="vi", validate=validate.OneOf(LOCALES))


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organization = fields.Nested(OrganizationCreateSchema, required=True)


class LoginSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    organization_id = fields.Integer(load_default=None, strict=True)
    #: the authenticator app's 6-digit code (or a recovery code) when the user has a second factor
    otp = fields.String(load_default=None, validate=validate.Length(max=32))


class MemberCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    role = fields.String(required=True, validate=validate.Length(max=16))


class MemberRoleSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(max=16))


class ProfileUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    locale = fields.String(validate=validate.OneOf(LOCALES))
    #: IANA time zone for times on pages; null or empty: the platform's default
    timezone = fields.String(allow_none=True, validate=validate.Length(max=64))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))


class OrganizationUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=2, max=200))
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    locale = fields.String(validate=validate.OneOf(LOCALES))
    #: decimal string in the organisation's currency; null removes the approval step
    approval_threshold = MoneyField(allow_none=True)
    tax_code = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9A-Za-z -]{5,32}$"),
                             metadata={"description": "the tax code (MST) its invoices carry; buyers: checked "
                                                      "against vendors' VAT e-invoices"})


class OrganizationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    country = fields.String()
    currency = fields.String()
    locale = fields.String()
    #: deals above this total need an approver; null: never
    approval_threshold = MoneyField(allow_none=True)
    tax_code = fields.String(allow_none=True)


class MembershipSchema(Schema):
    id = fields.Integer()
    role = fields.String()
    organization = fields.Nested(OrganizationSchema)


class MemberSchema(Schema):
    id = fields.Integer(metadata={"description": "the membership's id"})
    user_id = fields.Integer(attribute="user.id")
    email = fields.String(attribute="user.email")
    name = fields.String(attribute="user.name")
    role = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    timezone = fields.String(allow_none=True)
    has_second_factor = fields.Boolean()


MemberPageSchema = page_schema(MemberSchema, "MemberPage")


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.String()
    user = fields.Nested(UserSchema)
    organization = fields.Nested(OrganizationSchema)
    role = fields.String()


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    organization = fields.Nested(OrganizationSchema)
    role = fields.String()
    memberships = fields.List(fields.Nested(MembershipSchema))
