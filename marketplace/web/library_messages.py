"""Messages the libraries behind our forms produce (WTForms' validators and fields, marshmallow's
fields), listed so that the catalogue extracts them and pages show them in the reader's language.

WTForms ships no Vietnamese; ``web.forms.Form`` routes its messages through our catalogue.
"""

from flask_babel import lazy_gettext as _l

WTFORMS = (
    _l("This field is required."), _l("Invalid input."), _l("Invalid email address."), _l("Invalid URL."),
    _l("Not a valid integer value."), _l("Not a valid decimal value."), _l("Not a valid float value."),
    _l("Not a valid date value."), _l("Not a valid datetime value."), _l("Not a valid time value."),
    _l("Not a valid choice."), _l("Invalid Choice: could not coerce."), _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."), _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be equal to %(other_name)s."), _l("Invalid value, must be one of: %(values)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
)
MARSHMALLOW = (
    _l("Missing data for required field."), _l("Field may not be null."), _l("Unknown field."),
    _l("Not a valid email address."), _l("Not a valid integer."), _l("Not a valid string."),
    _l("Not a valid number."), _l("Not a valid datetime."), _l("Not a valid date."), _l("Not a valid boolean."),
    _l("Invalid input type."), _l("Must be one of: %(choices)s."), _l("Invalid value."),
)
