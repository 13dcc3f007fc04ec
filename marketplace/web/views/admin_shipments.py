"""Page: shipments in trouble, for the platform's staff (``/admin/shipments``): held up, failed deliveries,
returns under way, lost goods, and shipments whose carrier sent a status code its table does not know, each with
its carrier, the carrier's raw code, its last event and a link to the deal; filtered by status.

The routes join the back office's blueprint (``web_admin``), so the page sits under ``/admin`` with the other
admin pages and their words (``label``).
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from ...shipping import notices
from ..forms import Form, page
from ..i18n import status_label
from ..session import page_login_required
from .admin import PLATFORM, bp
from .deals import carrier_name
from .shipments import event_text

#: the filter's choices: every status in trouble, one of them, or the unknown carrier codes
FILTERS = {"": _l("Every shipment in trouble"), **{str(s): None for s in notices.TROUBLE},
           notices.UNKNOWN_CODE: _l("Unknown carrier code")}


class ShipmentFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])


@bp.get("/shipments")
@page_login_required(PLATFORM)
def shipments():
    """Shipments the platform should look at, most recent event first; ``?status=`` narrows the list."""
    filters = ShipmentFilterForm(request.args)
    filters.status.choices = [(value, text or status_label(value, "shipment")) for value, text in FILTERS.items()]
    status = request.args.get("status") or None
    if status not in FILTERS:
        status = None
    rows = notices.troubled_shipments(status)
    for row in rows:  # names and texts as the reader reads them
        row["carrier_name"] = carrier_name(row["shipment"].carrier, short=True)
        row["event_text"] = event_text(row["event"].description) if row["event"] and row["event"].description else ""
    return page("admin/shipments.html", rows=rows, filters=filters, status=status)
