"""Field types of the API: money as decimal strings in the currency of the resource they belong to."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from ..errors import InvalidInputError
from ..money import MAX_MINOR, MoneyError, format_amount, parse_amount

#: a plain decimal, ASCII digits, at most 6 decimals (no currency has more)
DECIMAL_PATTERN = r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$"


class MoneyField(fields.Field):
    """Money in the API: a decimal string (``"1250000"`` VND, ``"12.50"`` USD) in a stated currency.

    Out: the attribute (integer minor units) is formatted in the currency named by ``currency``, an
    attribute of the same object (default ``"currency"``) or a callable ``obj -> code``.

    In: the string is checked for its shape only and returned as it is; services turn it into minor
    units with :func:`to_minor` once they know the currency (the RFQ's, the product's, the deal's).
    """

    def __init__(self, *, currency: str | Any = "currency", **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("description", "decimal string in the currency of the resource, e.g. \"1250000\" VND, "
                                           "\"12.50\" USD")
        metadata.setdefault("pattern", DECIMAL_PATTERN)
        metadata.setdefault("example", "1250000")
        super().__init__(metadata=metadata, **kwargs)
        self.currency = currency

    def _currency_of(self, obj: Any) -> str:
        if callable(self.currency):
            return self.currency(obj)
        return obj[self.currency] if isinstance(obj, dict) else getattr(obj, self.currency)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if obj is None:  # apispec documenting a default: the value is already the API's string
            return str(value)
        return format_amount(int(value), self._currency_of(obj))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):  # the documented type is a string; 1000 and 17.5 are refused alike
            raise ValidationError("must be a decimal string such as \"1250000\" or \"12.50\"")
        text = str(value).strip()
        try:
            parse_amount(text, "KWD")  # the shape only: the most decimals any currency allows (3)
        except MoneyError as exc:
            if "decimals" not in str(exc):
                raise ValidationError(str(exc)) from None
        if len(text) > 30:
            raise ValidationError("is too long")
        return text


def to_minor(text: str, currency: str, path: tuple = (), *, allow_negative: bool = False) -> int:
    """A decimal string in ``currency`` as integer minor units.

    :raises InvalidInputError: too many decimals for the currency, too large, or negative; the error
        names the field at ``path`` (e.g. ``("lines", 0, "unit_price")``), nested like the body.
    """
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        raise InvalidInputError(str(exc), fields=InvalidInputError.nest(path, str(exc))) from None
    if value < 0 and not allow_negative:
        raise InvalidInputError("amounts must not be negative", fields=InvalidInputError.nest(path, "must not be negative"))
    if abs(value) > MAX_MINOR:  # pragma: no cover - parse_amount refuses these already
        raise InvalidInputError("amount is too large", fields=InvalidInputError.nest(path, "too large"))
    return value
