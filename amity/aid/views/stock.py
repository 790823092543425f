"""Aid pages for the catalogue, stock, its ledger, pledges and the lots they arrive in.

Each view parses input, checks access through ``amity.aid.permissions``, calls one
service or selector, and renders or redirects. Stock, items and pledges are the home
hospital's business: a partner contact is told they do not exist (404); home staff who
may see a page but not change it are refused (403).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amity.aid import permissions, selectors, services
from amity.aid.forms.stock import (
    ItemForm,
    LotCorrectForm,
    MovementFilterForm,
    PledgeForm,
    PledgeReceiveForm,
    PurchaseForm,
)
from amity.aid.models import (
    DonorKind,
    Item,
    Lot,
    Movement,
    Pledge,
    RequestStatus,
    ShipmentStatus,
)
from amity.aid.templatetags.aid import quantity_in_packs
from amity.core.editing import edit_page
from amity.core.paging import page_of, query_without

PAGE_SIZE = 50
LATEST = 5
LAST_MOVEMENTS = 20
ON_THEIR_WAY = [ShipmentStatus.SHIPPED, ShipmentStatus.CUSTOMS, ShipmentStatus.DELIVERED]


def _require_stock_reader(user) -> None:
    """Stock, the catalogue and pledges do not exist for whoever may not see them."""
    if not permissions.can_see_stock(user):
        raise Http404


def _require_stock_manager(user) -> None:
    _require_stock_reader(user)
    if not permissions.can_manage_aid(user):
        raise PermissionDenied


def _get_pledge(user, pk: int) -> Pledge:
    return get_object_or_404(
        permissions.pledges_visible_to(user).select_related(
            "donor_person__institution", "donor_department", "thanked_letter"
        ),
        pk=pk,
    )


# --- overview ------------------------------------------------------------------------------


@login_required
@require_safe
def home(request):
    user = request.user
    if not permissions.is_home_staff(user):
        if permissions.can_make_requests(user):
            return redirect("aid:request_list")
        raise Http404
    open_requests = selectors.request_list(user=user).filter(status=RequestStatus.SUBMITTED)
    on_their_way = selectors.shipment_list(user=user).filter(status__in=ON_THEIR_WAY)
    return render(
        request,
        "aid/home.html",
        {
            "stock": selectors.stock(today=timezone.localdate()),
            "open_count": open_requests.count(),
            "open_requests": list(open_requests[:LATEST]),
            "on_their_way_count": on_their_way.count(),
            "on_their_way": list(on_their_way[:LATEST]),
            "can_manage": permissions.can_manage_aid(user),
            "section": "home",
        },
    )


# --- catalogue -----------------------------------------------------------------------------


@login_required
@require_safe
def item_list(request):
    _require_stock_reader(request.user)
    return render(
        request,
        "aid/item_list.html",
        {
            "items": Item.objects.order_by("-active", "name"),
            "can_manage": permissions.can_manage_aid(request.user),
            "section": "items",
        },
    )


@login_required
@require_safe
def item_detail(request, pk: int):
    _require_stock_reader(request.user)
    item = get_object_or_404(Item, pk=pk)
    return render(
        request,
        "aid/item_detail.html",
        {
            "item": item,
            "lots": list(selectors.item_lots(item)),
            "movements": list(selectors.movements(item=item)[:LAST_MOVEMENTS]),
            "today": timezone.localdate(),
            "can_manage": permissions.can_manage_aid(request.user),
            "section": "items",
        },
    )


def _item_form_page(request, item: Item | None):
    form = ItemForm(request.POST or None, instance=item)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.item_save(item=item or Item(), fields=data),
        template="aid/item_form.html",
        context={"item": item, "section": "items"},
        success_message=lambda saved: _("“%s” was saved in the catalogue.") % saved.display_name,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    _require_stock_manager(request.user)
    return _item_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    _require_stock_manager(request.user)
    return _item_form_page(request, get_object_or_404(Item, pk=pk))


# --- stock and its ledger ------------------------------------------------------------------


@login_required
@require_safe
def stock(request):
    _require_stock_reader(request.user)
    return render(
        request,
        "aid/stock.html",
        {
            "rows": selectors.stock(today=timezone.localdate()),
            "can_manage": permissions.can_manage_aid(request.user),
            "section": "stock",
        },
    )


@login_required
@require_safe
def movement_list(request):
    _require_stock_reader(request.user)
    form = MovementFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    movements = selectors.movements(
        item=data.get("item"),
        kind=data.get("kind", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    return render(
        request,
        "aid/movement_list.html",
        {
            "form": form,
            "page": page_of(request, movements, PAGE_SIZE),
            "query": query_without(request, "page"),
            "section": "movements",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def purchase_create(request):
    _require_stock_manager(request.user)
    form = PurchaseForm(
        request.POST or None,
        initial={"received_on": timezone.localdate(), "item": request.GET.get("item")},
    )

    def save(data: dict) -> Lot:
        return services.purchase_receive(
            receipt=form.receipt(), reason=data["reason"], user=request.user
        )

    return edit_page(
        request,
        form=form,
        save=save,
        template="aid/purchase_form.html",
        context={"section": "stock"},
        success_message=lambda lot: (
            _("%(quantity)s of %(item)s were put in stock.")
            % {
                "quantity": quantity_in_packs(lot.available, lot.item),
                "item": lot.item.display_name,
            }
        ),
        redirect_to=lambda lot: lot.item,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lot_correct(request, pk: int):
    _require_stock_manager(request.user)
    lot = get_object_or_404(Lot.objects.select_related("item", "pledge"), pk=pk)
    form = LotCorrectForm(request.POST or None)

    def save(data: dict) -> Movement:
        return services.stock_correct(
            lot=lot, quantity=data["quantity"], reason=data["reason"], user=request.user
        )

    return edit_page(
        request,
        form=form,
        save=save,
        template="aid/lot_correct.html",
        context={"lot": lot, "section": "stock"},
        success_message=lambda movement: (
            _("The stock of lot %(lot)s was corrected by %(change)s.")
            % {
                "lot": lot.lot_number or "—",
                "change": quantity_in_packs(movement.quantity, lot.item),
            }
        ),
        redirect_to=lambda movement: lot.item,
    )


# --- pledges -------------------------------------------------------------------------------


@login_required
@require_safe
def pledge_list(request):
    _require_stock_reader(request.user)
    return render(
        request,
        "aid/pledge_list.html",
        {
            "page": page_of(request, selectors.pledge_list(user=request.user), PAGE_SIZE),
            "query": "",
            "can_record": permissions.can_record_pledge(request.user),
            "section": "pledges",
        },
    )


@login_required
@require_safe
def pledge_detail(request, pk: int):
    _require_stock_reader(request.user)
    user = request.user
    pledge = _get_pledge(user, pk)
    received = selectors.pledges_received([pledge])
    lines = [
        {
            "item": line.item,
            "pledged": line.quantity,
            "received": received.get((pledge.pk, line.item_id), 0),
        }
        for line in pledge.lines.select_related("item")
    ]
    can_manage = permissions.can_manage_aid(user)
    return render(
        request,
        "aid/pledge_detail.html",
        {
            "pledge": pledge,
            "lines": lines,
            "lots": list(pledge.lots.select_related("item").order_by("received_on", "pk")),
            "can_edit": permissions.can_edit_pledge(user, pledge),
            "can_receive": can_manage,
            "can_thank": can_manage
            and pledge.thanked_letter_id is None
            and pledge.donor_kind == DonorKind.STAFF,
            "section": "pledges",
        },
    )


def _pledge_form_page(request, pledge: Pledge | None):
    user = request.user
    fixed = not permissions.can_manage_aid(user)
    form = PledgeForm(
        request.POST or None,
        instance=pledge,
        own_person=user.person,
        fixed_donor=fixed,
        with_lines=pledge is None,
        initial={} if pledge else {"pledged_on": timezone.localdate()},
    )

    def save(data: dict) -> Pledge:
        if pledge is None:
            return services.pledge_create(fields=form.service_fields(), lines=form.lines, user=user)
        return services.pledge_update(pledge=pledge, fields=form.service_fields())

    return edit_page(
        request,
        form=form,
        save=save,
        template="aid/pledge_form.html",
        context={"pledge": pledge, "fixed_donor": fixed, "section": "pledges"},
        success_message=lambda saved: _("The pledge was saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_create(request):
    _require_stock_reader(request.user)
    if not permissions.can_record_pledge(request.user):
        raise PermissionDenied
    return _pledge_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request, pk: int):
    _require_stock_reader(request.user)
    pledge = _get_pledge(request.user, pk)
    if not permissions.can_edit_pledge(request.user, pledge):
        raise PermissionDenied
    return _pledge_form_page(request, pledge)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_receive(request, pk: int):
    _require_stock_reader(request.user)
    pledge = _get_pledge(request.user, pk)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    form = PledgeReceiveForm(
        request.POST or None, pledge=pledge, initial={"received_on": timezone.localdate()}
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.pledge_receive(
            pledge=pledge, receipt=form.receipt(), user=request.user
        ),
        template="aid/pledge_receive.html",
        context={"pledge": pledge, "section": "pledges"},
        success_message=lambda lot: (
            _("%(quantity)s of %(item)s were received and put in stock.")
            % {
                "quantity": quantity_in_packs(lot.available, lot.item),
                "item": lot.item.display_name,
            }
        ),
        redirect_to=lambda lot: reverse("aid:pledge_detail", args=[pledge.pk]),
    )
