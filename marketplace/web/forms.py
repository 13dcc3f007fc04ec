"""Forms: Flask-WTF for CSRF and fields; the API's own input schemas and services decide what is valid.

A view validates the form's shape, builds the plain data the JSON endpoint would receive, and calls
the same service through :func:`attempt`: on success it commits once; on a refusal it rolls back and
puts every message on the form, in the reader's language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, TypeVar

from babel.numbers import NumberFormatError, parse_decimal
from flask import render_template
from flask_babel import gettext, lazy_gettext, ngettext
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import IntegerField, StringField

from ..errors import DomainError
from ..extensions import db
from .i18n import locale_code

T = TypeVar("T")


class _Catalogue:
    """WTForms' own messages through our catalogue (WTForms ships no Vietnamese; see library_messages)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


class Form(FlaskForm):
    """Every form of the interface: CSRF-protected, with room for messages that belong to no field."""

    class Meta:
        def get_translations(self, form):
            return _Catalogue()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_errors: list[str] = []

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.page_errors)


def translate(message: str) -> str:
    """A service's or schema's message in the reader's language (the catalogue holds them by their English)."""
    return gettext(message) if message else message


def _walk(fields: Any, prefix: str = ""):
    """``{"lines": {"0": {"price": ["bad"]}}}`` -> ``("lines-0-price", ["bad"])`` (WTForms' names)."""
    if isinstance(fields, dict):
        for key, value in fields.items():
            name = str(key) if not prefix else f"{prefix}-{key}"
            yield from _walk(value, name)
    elif isinstance(fields, (list, tuple)) and fields and all(isinstance(m, str) for m in fields):
        yield prefix, list(fields)
    elif isinstance(fields, str):
        yield prefix, [fields]


def _field(form: FlaskForm, name: str):
    """The form field named ``name`` (WTForms' nested names included), or None."""
    for field in form:
        if field.name == name:
            return field
        if hasattr(field, "entries"):
            for entry in field.entries:
                inner = getattr(entry, "form", None)
                found = _field(inner, name) if inner is not None else (entry if entry.name == name else None)
                if found is not None:
                    return found
        elif hasattr(field, "form") and name.startswith(field.name + "-"):
            found = _field(field.form, name)
            if found is not None:
                return found
    return None


def show_error(form: Form, exc: DomainError | ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a refusal on the form: field messages beside their fields, the rest at the top."""
    aliases = aliases or {}
    messages = exc.fields if isinstance(exc, DomainError) else exc.messages
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    placed = False
    for name, texts in _walk(messages):
        field = _field(form, aliases.get(name, name))
        translated = [translate(t) for t in texts]
        if field is not None:
            field.errors = [*field.errors, *translated]
            placed = True
        else:
            form.page_errors.extend(translated)
    if isinstance(exc, DomainError) and (not placed or exc.message not in form.page_errors):
        form.page_errors.insert(0, translate(exc.message))
    elif not placed and not form.page_errors:
        form.page_errors.append(gettext("Please correct the marked fields."))


def attempt(form: Form, action: Callable[[], T], aliases: dict[str, str] | None = None) -> T | None:
    """Run ``action`` (one service call) and commit; on a refusal roll back, show it on ``form``, return None."""
    try:
        result = action()
        db.session.commit()
        return result
    except (DomainError, ValidationError) as exc:
        db.session.rollback()
        show_error(form, exc, aliases)
        return None


def load(schema: Schema, data: dict) -> dict:
    """The API's input schema applied to a form's data (the same rules as the JSON endpoint).

    :raises ValidationError: the data breaks the schema; :func:`attempt` shows it on the form.
    """
    return schema.load(data)


def page(template: str, form: Form | None = None, **context: Any):
    """Render a page with its form; 422 when the form carries errors (nothing was changed)."""
    status = 422 if form is not None and form.is_submitted() and form.has_errors else 200
    return render_template(template, form=form, **context), status


def parse_localised(text: str | None) -> Decimal | None:
    """A number as a person types it in the page's language (``1.250.000`` in vi, ``1,250,000`` in en);
    None when empty.

    :raises NumberFormatError: not a number.
    """
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "").replace("₫", "")
    if not text:
        return None
    return parse_decimal(text, locale=locale_code(), strict=False)


class AmountField(StringField):
    """Money typed by a person in their language (``1.250.000`` in vi, ``1,250,000`` or ``12.50`` in en),
    handed on as the API's plain decimal string; the service checks it against the currency."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        try:
            value = parse_localised(self.data)
        except NumberFormatError:
            raise ValueError(lazy_gettext("Enter an amount such as 1.250.000")) from None
        self.data = None if value is None else format(value.normalize(), "f")


class CountField(IntegerField):
    """A whole number typed by a person in their language (``1.800`` in vi, ``1,800`` in en)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_data = valuelist
        try:
            value = parse_localised(valuelist[0] if valuelist else None)
        except NumberFormatError:
            value = Decimal("0.5")  # refused below, like any fraction
        if value is None:
            self.data = None
            return
        if value != value.to_integral_value():
            self.data = None
            raise ValueError(lazy_gettext("Enter a whole number."))
        self.data = int(value)
