"""Aid downloads: packing lists and pro-forma invoices, exports, and thank-you letters.

Papers and exports are handed over as protected attachments (``core.downloads``): never
rendered inline, sniffed or cached for others. A shipment's papers go to home staff and
to the contact of the partner it is for; anyone else is told nothing exists (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from amity.aid import exports, pdf, permissions
from amity.aid.letters import thank_donor
from amity.aid.models import Shipment
from amity.core.downloads import content_disposition, protect
from amity.core.spreadsheets import csv_bytes, xlsx_bytes
from amity.relations.pdf import letterhead_institution

PDF_TYPE = "application/pdf"


def _attachment(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    return protect(response)


def _shipment_for(user, pk: int) -> Shipment:
    return get_object_or_404(
        permissions.shipments_visible_to(user).select_related("institution"), pk=pk
    )


@login_required
@require_safe
def packing_list(request, pk: int):
    shipment = _shipment_for(request.user, pk)
    content = pdf.packing_list(pdf.shipment_papers(shipment))
    return _attachment(
        content, name=f"packing-list-{shipment.reference}.pdf", content_type=PDF_TYPE
    )


@login_required
@require_safe
def proforma_invoice(request, pk: int):
    shipment = _shipment_for(request.user, pk)
    content = pdf.proforma_invoice(pdf.shipment_papers(shipment))
    return _attachment(
        content, name=f"pro-forma-invoice-{shipment.reference}.pdf", content_type=PDF_TYPE
    )


@login_required
@require_POST
def pledge_thank(request, pk: int):
    """Office staff send the donor's thank-you letter; a second click sends nothing."""
    pledge = get_object_or_404(permissions.pledges_visible_to(request.user), pk=pk)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    already = pledge.thanked_letter_id is not None
    try:
        letter = thank_donor(pledge=pledge, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(pledge.get_absolute_url())
    if already:
        messages.info(request, _("This donor was already thanked; nothing more was sent."))
    elif letter.email_id is not None:
        messages.success(
            request,
            _("The thank-you letter to %(name)s was written and queued for sending.")
            % {"name": letter.recipient_name},
        )
    else:
        messages.success(
            request,
            _(
                "The thank-you letter to %(name)s was written; the directory has no email "
                "address, so print it and send it by post."
            )
            % {"name": letter.recipient_name},
        )
    return redirect(pledge.get_absolute_url())


@login_required
@require_safe
def export(request, table: str, fmt: str):
    """A table as CSV or XLSX (``shipments-hxl`` as CSV only), of what the user may see."""
    if fmt not in ("csv", "xlsx") or (table == exports.HXL_TABLE and fmt != "csv"):
        raise Http404
    if not exports.may_export(request.user, table):
        raise Http404
    home = letterhead_institution()
    rows = exports.table_rows(
        table,
        user=request.user,
        today=timezone.localdate(),
        provider=home.name if home else "",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = f"aid-{table}-{stamp}.{fmt}"
    if fmt == "csv":
        return _attachment(csv_bytes(rows), name=name, content_type=exports.CSV_TYPE)
    title = str(exports.TABLES[table].title)
    return _attachment(xlsx_bytes(rows, title=title), name=name, content_type=exports.XLSX_TYPE)
