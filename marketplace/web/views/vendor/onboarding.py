"""Vendor pages: onboarding — the company profile, verification documents and the submission for review."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ....accounts.auth import current_actor
from ....accounts.models import MANAGERS
from ....http.downloads import send_download
from ....vendors import services as vendors
from ....vendors.models import DocumentKind
from ....vendors.schemas import VendorProfileUpdateSchema
from ...forms import CountField, Form, attempt, load, page
from ...i18n import status_label
from ...session import page_login_required
from . import bp
from .common import VENDOR, timeline

#: the onboarding checklist's steps in words
STEPS = {
    "profile": _l("Company profile: legal name and tax code"),
    "regions": _l("Regions you deliver to"),
    "capacity": _l("Monthly capacity"),
    "documents": _l("Business registration document uploaded"),
    "submitted": _l("Submitted for verification"),
    "verified": _l("Verified by the platform"),
}


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


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
        self.kind.choices = [(k.value, status_label(k.value, "document_kind")) for k in DocumentKind]


def onboarding_page(profile_form: ProfileForm | None = None, document_form: DocumentForm | None = None,
                    submit_errors: list[str] | None = None):
    """The onboarding page with the forms as given (fresh ones otherwise), and 422 when one has errors."""
    actor = current_actor()
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
    return onboarding_page()


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
        actor = current_actor()
        done = attempt(form, lambda: vendors.update_vendor_profile(
            actor.org_id, actor, load(VendorProfileUpdateSchema(), data)), aliases={"regions-0": "regions"})
        if done is not None:
            return redirect(url_for(".onboarding", saved=1))
    return onboarding_page(profile_form=form)


@bp.post("/documents")
@page_login_required(VENDOR, roles=MANAGERS)
def upload_document():
    """Upload a verification document (PDF, PNG or JPEG, judged by its bytes)."""
    form = DocumentForm()
    if form.validate_on_submit():
        actor = current_actor()
        upload = form.file.data
        done = attempt(form, lambda: vendors.add_vendor_document(actor.org_id, actor, form.kind.data,
                                                                 upload.filename, upload.stream))
        if done is not None:
            return redirect(url_for(".onboarding"))
    return onboarding_page(document_form=form)


@bp.get("/documents/<int:document_id>")
@page_login_required(VENDOR)
def document(document_id: int):
    """A document's bytes (the vendor's own only)."""
    actor = current_actor()
    return send_download(vendors.download_vendor_document(actor.org_id, document_id, actor))


@bp.post("/verification")
@page_login_required(VENDOR, roles=MANAGERS)
def submit_verification():
    """Send the profile for verification."""
    form = Form()
    actor = current_actor()
    if attempt(form, lambda: vendors.submit_verification(actor.org_id, actor)) is not None:
        return redirect(url_for(".onboarding"))
    return onboarding_page(submit_errors=[*form.page_errors, *(e for errs in form.errors.values() for e in errs)])
