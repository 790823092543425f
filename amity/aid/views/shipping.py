"""Aid pages for partners' requests, their approval, shipments and receipts. Each view
parses input, checks access through ``permissions`` (404 for what the reader may not
see, 403 for what they may see but not change), calls one service or selector, and
renders or redirects. A partner contact's pages are their "portal": only their own
institution's requests and shipments exist for them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amity.aid import permissions, selectors, services
from amity.aid.forms.shipping import (
    AdvanceForm,
    ApproveForm,
    ParcelForm,
    PartnerChoiceForm,
    ReceiptForm,
    ReleaseForm,
    RequestFilterForm,
    RequestForm,
    ShipmentCreateForm,
    ShipmentFilterForm,
    ShipmentForm,
)
from amity.aid.models import AidRequest, Allocation, Shipment, ShipmentEvent, ShipmentStatus
from amity.core.editing import changes_saved, confirm_page, edit_page
from amity.core.paging import page_of, query_without
from amity.directory.models import Institution

PAGE_SIZE = 50


def _request_for_user(user, pk: int) -> AidRequest:
    return get_object_or_404(
        permissions.requests_visible_to(user).select_related(
            "institution", "created_by__directory_person"
        ),
        pk=pk,
    )


def _shipment_for_user(user, pk: int) -> Shipment:
    return get_object_or_404(
        permissions.shipments_visible_to(user).select_related(
            "institution", "created_by__directory_person"
        ),
        pk=pk,
    )


def _require_manager(user) -> None:
    if not permissions.can_manage_aid(user):
        raise PermissionDenied


# --- requests ------------------------------------------------------------------------------


@login_required
def request_list(request):
    user = request.user
    home_staff = permissions.is_home_staff(user)
    form = RequestFilterForm(request.GET or None) if home_staff else None
    data = form.cleaned_data if form is not None and form.is_valid() else {}
    requests = selectors.request_list(user=user)
    if data.get("institution"):
        requests = requests.filter(institution=data["institution"])
    if data.get("status"):
        requests = requests.filter(status=data["status"])
    if data.get("urgency"):
        requests = requests.filter(urgency=data["urgency"])
    return render(
        request,
        "aid/request_list.html",
        {
            "form": form,
            "page": page_of(request, requests, PAGE_SIZE),
            "query": query_without(request, "page"),
            "can_add": permissions.can_make_requests(user),
            "portal": not home_staff,
            "section": "requests",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    user = request.user
    if not permissions.can_make_requests(user):
        raise PermissionDenied
    own = permissions.partner_institution_id(user)
    office = permissions.can_manage_aid(user)
    form = RequestForm(request.POST or None, choose_partner=office, with_lines=True)
    institution = None if office else get_object_or_404(Institution, pk=own)

    def save(data: dict) -> AidRequest:
        return services.request_create(
            institution=data["institution"] if office else institution,
            fields=form.service_fields(),
            lines=form.lines(),
            user=user,
        )

    return edit_page(
        request,
        form=form,
        save=save,
        template="aid/request_form.html",
        context={"aid_request": None, "institution": institution, "section": "requests"},
        success_message=lambda saved: _("%(request)s was recorded.") % {"request": saved},
    )


@login_required
def request_detail(request, pk: int):
    user = request.user
    aid_request = _request_for_user(user, pk)
    office = permissions.can_manage_aid(user)
    return render(
        request,
        "aid/request_detail.html",
        {
            "aid_request": aid_request,
            "rows": selectors.request_lines(aid_request),
            "shipments": aid_request.shipments.order_by("-created_at", "-pk"),
            "can_edit": permissions.can_edit_request(user, aid_request),
            "can_approve": office and aid_request.is_open,
            "can_release": office,
            "can_see_stock": permissions.can_see_stock(user),
            "section": "requests",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, pk: int):
    user = request.user
    aid_request = _request_for_user(user, pk)
    if not permissions.can_request_for(user, aid_request.institution_id):
        raise PermissionDenied
    if not aid_request.is_open:
        messages.info(request, _("This request has been decided and can no longer be changed."))
        return redirect(aid_request)
    form = RequestForm(
        request.POST or None, instance=aid_request, choose_partner=False, with_lines=False
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.request_update(
            request=aid_request, fields=form.service_fields()
        ),
        template="aid/request_form.html",
        context={
            "aid_request": aid_request,
            "institution": aid_request.institution,
            "section": "requests",
        },
        success_message=changes_saved,
    )


@login_required
@require_POST
def request_withdraw(request, pk: int):
    user = request.user
    aid_request = _request_for_user(user, pk)
    if not permissions.can_request_for(user, aid_request.institution_id):
        raise PermissionDenied
    if not request.POST.get("confirm"):
        return confirm_page(
            request,
            question=_("Withdraw %(request)s?") % {"request": aid_request},
            warning=_("The office will not act on a withdrawn request; this cannot be undone."),
            yes=_("Yes, withdraw the request"),
            back=aid_request.get_absolute_url(),
        )
    try:
        services.request_withdraw(request=aid_request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(request)s was withdrawn.") % {"request": aid_request})
    return redirect(aid_request)


@login_required
@require_http_methods(["GET", "POST"])
def request_approve(request, pk: int):
    user = request.user
    aid_request = _request_for_user(user, pk)
    _require_manager(user)
    if not aid_request.is_open:
        messages.info(
            request,
            _("This request has already been decided (%(status)s).")
            % {"status": aid_request.get_status_display()},
        )
        return redirect(aid_request)
    lines = [row.line for row in selectors.request_lines(aid_request)]
    available = selectors.available_by_item(today=timezone.localdate())
    form = ApproveForm(request.POST or None, lines=lines, available=available)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.request_approve(
            request=aid_request, approved=form.approved(), user=user, note=data["note"]
        ),
        template="aid/request_approve.html",
        context={
            "aid_request": aid_request,
            "rows": [(line, field, available.get(line.item_id, 0)) for line, field in form.rows()],
            "section": "requests",
        },
        success_message=lambda saved: (
            _("%(request)s: %(status)s.") % {"request": saved, "status": saved.get_status_display()}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_release(request, pk: int):
    user = request.user
    allocation = get_object_or_404(
        Allocation.objects.select_related("line__item", "line__request", "lot").filter(
            line__request__in=permissions.requests_visible_to(user)
        ),
        pk=pk,
    )
    _require_manager(user)
    aid_request = allocation.line.request
    if allocation.released or allocation.shipment_id is not None:
        messages.info(request, _("These units are already packed or released."))
        return redirect(aid_request)
    form = ReleaseForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.allocation_release(
            allocation=allocation, user=user, reason=data["reason"]
        ),
        template="aid/request_release.html",
        context={"allocation": allocation, "aid_request": aid_request, "section": "requests"},
        success_message=lambda saved: (
            _("%(count)s units of %(item)s are back in stock.")
            % {"count": saved.quantity, "item": allocation.line.item.display_name}
        ),
        redirect_to=lambda saved: aid_request,
    )


# --- shipments -----------------------------------------------------------------------------


@login_required
def shipment_list(request):
    user = request.user
    home_staff = permissions.is_home_staff(user)
    form = ShipmentFilterForm(request.GET or None) if home_staff else None
    data = form.cleaned_data if form is not None and form.is_valid() else {}
    shipments = selectors.shipment_list(user=user)
    if data.get("status"):
        shipments = shipments.filter(status=data["status"])
    # The day the shipment was prepared, as recorded (a campaign may be entered afterwards),
    # rather than the day its row was written.
    prepared_on = ShipmentEvent.objects.filter(
        shipment=OuterRef("pk"), status=ShipmentStatus.PREPARED
    ).values("on")[:1]
    shipments = shipments.annotate(prepared_on=Subquery(prepared_on))
    return render(
        request,
        "aid/shipment_list.html",
        {
            "form": form,
            "page": page_of(request, shipments, PAGE_SIZE),
            "query": query_without(request, "page"),
            "can_add": permissions.can_manage_aid(user),
            "portal": not home_staff,
            "section": "shipments",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shipment_create(request):
    """Two steps on one page: choose the partner (``?institution=``), then tick what to
    pack of its approved, unpacked units."""
    user = request.user
    _require_manager(user)
    chooser = PartnerChoiceForm(request.GET or None)
    if not chooser.is_valid():
        return render(
            request,
            "aid/shipment_create.html",
            {"chooser": chooser, "form": None, "section": "shipments"},
        )
    institution = chooser.cleaned_data["institution"]
    form = ShipmentCreateForm(
        request.POST or None,
        allocations=selectors.unpacked_allocations(institution_id=institution.pk),
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.shipment_create(
            institution=institution,
            allocations=list(data["allocations"]),
            fields=form.service_fields(),
            user=user,
        ),
        template="aid/shipment_create.html",
        context={"chooser": chooser, "institution": institution, "section": "shipments"},
        success_message=lambda saved: _("%(shipment)s was prepared.") % {"shipment": saved},
    )


@login_required
def shipment_detail(request, pk: int):
    user = request.user
    shipment = _shipment_for_user(user, pk)
    office = permissions.can_manage_aid(user)
    parcels = list(shipment.parcels.all())
    prepared = shipment.status == ShipmentStatus.PREPARED
    return render(
        request,
        "aid/shipment_detail.html",
        {
            "shipment": shipment,
            "lines": selectors.shipment_lines(shipment),
            "parcels": parcels,
            "total_weight": sum(p.weight_kg for p in parcels),
            "events": shipment.events.select_related("recorded_by"),
            "requests": shipment.requests.order_by("pk"),
            "can_edit": office,
            "can_add_parcel": office and prepared,
            "can_advance": office
            and shipment.status not in (ShipmentStatus.DELIVERED, ShipmentStatus.RECEIVED),
            "can_confirm": permissions.can_confirm_receipt(user, shipment),
            # The papers go to whoever may see the shipment (views/papers.py): home staff
            # and the consignee's contact, who clears customs with them.
            "can_download": True,
            # Items link to the catalogue for those who may see the stock.
            "can_see_stock": permissions.can_see_stock(user),
            "received": shipment.status == ShipmentStatus.RECEIVED,
            "section": "shipments",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shipment_edit(request, pk: int):
    shipment = _shipment_for_user(request.user, pk)
    _require_manager(request.user)
    form = ShipmentForm(request.POST or None, instance=shipment)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.shipment_update(shipment=shipment, fields=data),
        template="aid/shipment_form.html",
        context={"shipment": shipment, "section": "shipments"},
        success_message=changes_saved,
    )


@login_required
@require_http_methods(["GET", "POST"])
def parcel_add(request, pk: int):
    shipment = _shipment_for_user(request.user, pk)
    _require_manager(request.user)
    if shipment.status != ShipmentStatus.PREPARED:
        messages.info(request, _("Parcels can be changed only while the shipment is prepared."))
        return redirect(shipment)
    form = ParcelForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.parcel_add(shipment=shipment, fields=data),
        template="aid/parcel_form.html",
        context={"shipment": shipment, "section": "shipments"},
        success_message=lambda saved: (
            _("A parcel of %(weight)s kg was added.") % {"weight": saved.weight_kg}
        ),
        redirect_to=lambda saved: shipment,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shipment_advance(request, pk: int):
    user = request.user
    shipment = _shipment_for_user(user, pk)
    _require_manager(user)
    form = AdvanceForm(request.POST or None, initial={"on": timezone.localdate()})
    return edit_page(
        request,
        form=form,
        save=lambda data: services.shipment_advance(
            shipment=shipment, status=data["status"], on=data["on"], user=user, note=data["note"]
        ),
        template="aid/shipment_advance.html",
        context={
            "shipment": shipment,
            "events": shipment.events.all(),
            "section": "shipments",
        },
        success_message=lambda saved: (
            _("%(shipment)s is now %(status)s.")
            % {"shipment": saved, "status": saved.get_status_display().lower()}
        ),
        redirect_to=lambda saved: shipment,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shipment_receipt(request, pk: int):
    user = request.user
    shipment = _shipment_for_user(user, pk)
    if not (
        permissions.can_manage_aid(user)
        or permissions.partner_institution_id(user) == shipment.institution_id
    ):
        raise PermissionDenied
    if not permissions.can_confirm_receipt(user, shipment):
        messages.info(
            request, _("Only a shipment on its way or delivered can be confirmed as received.")
        )
        return redirect(shipment)
    form = ReceiptForm(request.POST or None, allocations=selectors.shipment_lines(shipment))
    return edit_page(
        request,
        form=form,
        save=lambda data: services.shipment_confirm_receipt(
            shipment=shipment, lines=form.line_receipts(), user=user
        ),
        template="aid/receipt_form.html",
        context={"shipment": shipment, "section": "shipments"},
        success_message=lambda saved: (
            _("Thank you: the receipt of %(shipment)s is recorded.") % {"shipment": saved}
        ),
        redirect_to=lambda saved: shipment,
    )
