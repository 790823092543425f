"""Aid in the JSON API: the catalogue, stock, pledges and the lots they arrive in,
partners' requests and their approval, shipments, their status and their receipt.

The same permission helpers, selectors and services as the pages, so an API client sees
and changes exactly what its user could: a partner contact reads and writes only their
own institution's requests and shipments, and anything else they ask for by id is "not
found" (404), never "forbidden" — it does not tell them the id exists. A refusal by a
service is a 409 when the object's state stands in the way (``code`` says which: stock
that is not there, a request already decided) and a 422 naming the fields otherwise;
either way nothing was written."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from amity.aid import permissions, selectors, services
from amity.aid.models import (
    AidRequest,
    Allocation,
    DonorKind,
    Item,
    Pledge,
    RequestLine,
    Shipment,
    ShipmentStatus,
)
from amity.aid.schemas import (
    ApproveIn,
    ItemOut,
    LineIn,
    LotIn,
    LotOut,
    ParcelIn,
    ParcelOut,
    PledgeIn,
    PledgeOut,
    ReceiptIn,
    RequestIn,
    RequestOut,
    RequestQuery,
    ShipmentIn,
    ShipmentOut,
    ShipmentQuery,
    ShipmentStatusIn,
    StockOut,
)
from amity.core.schemas import Pages, ProblemOut, errors_detail
from amity.directory.models import PartnershipStatus
from amity.directory.permissions import (
    departments_visible_to,
    institutions_visible_to,
    people_visible_to,
)

router = Router(tags=["aid"])

READ = {404: ProblemOut}
WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


# --- refusals --------------------------------------------------------------------------------


def _invalid(errors: dict[str, list[str]]) -> Status:
    """A 422 shaped as the API's own for input that does not fit the schema
    (``amity.api.api.request_invalid``): a sentence, and the messages by field."""
    return Status(422, {"detail": errors_detail(errors), "code": "invalid", "errors": errors})


def _refused(error: ValidationError) -> Status:
    """A service's refusal as the API answers it. Stock that is not there and an object
    whose state forbids the change (a request already decided, a shipment not yet sent)
    are conflicts (409): the same request may succeed later. Anything else is bad input
    (422)."""
    if isinstance(error, services.NotEnoughStock):
        return Status(409, {"detail": " ".join(error.messages), "code": "not_enough_stock"})
    if hasattr(error, "error_dict"):
        return _invalid(error.message_dict)
    code = next((e.code for e in error.error_list if e.code), None) or "conflict"
    return Status(409, {"detail": " ".join(error.messages), "code": code})


def _forbidden(message: str) -> Status:
    return Status(403, {"detail": message})


# --- lookups: every protected object through the permission helpers' querysets -------------


def _items(lines: list[LineIn]) -> list[tuple[Item, int]]:
    """The (item, units) pairs of ``lines``; raises ValidationError for an id the
    catalogue does not hold (or no longer uses)."""
    found = Item.objects.filter(active=True).in_bulk([line.item for line in lines])
    unknown = sorted({line.item for line in lines} - set(found))
    if unknown:
        raise ValidationError(
            {
                "lines": _("No item in use has the id %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in unknown)}
            }
        )
    return [(found[line.item], line.quantity) for line in lines]


def _pledges(user) -> QuerySet[Pledge]:
    return selectors.pledge_list(user=user).prefetch_related("lines__item", "lots__item")


def _requests(user) -> QuerySet[AidRequest]:
    allocations = Allocation.objects.select_related("lot").order_by("pk")
    return selectors.request_list(user=user).prefetch_related(
        Prefetch(
            "lines",
            queryset=RequestLine.objects.select_related("item").prefetch_related(
                Prefetch("allocations", queryset=allocations)
            ),
        )
    )


def _shipments(user) -> QuerySet[Shipment]:
    lines = Allocation.objects.select_related("line__item", "lot").order_by("pk")
    return selectors.shipment_list(user=user).prefetch_related(
        Prefetch("allocations", queryset=lines), "parcels", "events", "requests"
    )


def _request_for_user(user, request_id: int) -> AidRequest:
    return get_object_or_404(_requests(user), pk=request_id)


def _shipment_for_user(user, shipment_id: int) -> Shipment:
    return get_object_or_404(_shipments(user), pk=shipment_id)


# --- catalogue and stock -------------------------------------------------------------------


@router.get("/aid/items", response=list[ItemOut])
@paginate(Pages, page_size=100)
def list_items(request):
    """The catalogue of items in use, which requests and pledges name by id."""
    return Item.objects.filter(active=True).order_by("name")


@router.get("/aid/stock", response={200: list[StockOut], **READ})
def get_stock(request):
    """Units of every item in use: available to allocate, allocated but still on the
    shelf, on hand in all, and left in expired lots. Home staff only: to a partner
    contact, stock does not exist."""
    if not permissions.can_see_stock(request.user):
        raise Http404
    return selectors.stock(today=timezone.localdate())


# --- pledges -------------------------------------------------------------------------------


@router.get("/aid/pledges", response={200: list[PledgeOut], **READ})
@paginate(Pages, page_size=50)
def list_pledges(request):
    """Pledges, newest first, with what each promised and the lots received so far."""
    if not permissions.is_home_staff(request.user):
        raise Http404
    return _pledges(request.user)


@router.get("/aid/pledges/{pledge_id}", response={200: PledgeOut, **READ})
def get_pledge(request, pledge_id: int):
    return get_object_or_404(_pledges(request.user), pk=pledge_id)


def _donor(user, payload: PledgeIn) -> dict:
    """The pledge's donor fields. Office staff name any donor (a staff member of the home
    hospital, a department, an outside donor); other staff are the donor themselves.
    Raises PermissionDenied or ValidationError."""
    if not permissions.can_manage_aid(user):
        own = user.person
        if own is None:
            raise ValidationError(
                {
                    "donor_person": _(
                        "Your login is not linked to an entry in the directory; ask the office."
                    )
                }
            )
        if (
            payload.donor_kind != DonorKind.STAFF
            or payload.donor_department is not None
            or payload.donor_name
            or payload.donor_person not in (None, own.pk)
        ):
            raise PermissionDenied(_("You can record only your own pledges."))
        return {"donor_kind": DonorKind.STAFF, "donor_person": own}
    fields = {"donor_kind": payload.donor_kind, "donor_name": payload.donor_name}
    if payload.donor_kind == DonorKind.STAFF and payload.donor_person is not None:
        person = (
            people_visible_to(user)
            .filter(pk=payload.donor_person, institution__partnership_status=PartnershipStatus.HOME)
            .first()
        )
        if person is None:
            raise ValidationError(
                {"donor_person": _("No staff member of the hospital has this id.")}
            )
        fields["donor_person"] = person
    if payload.donor_kind == DonorKind.DEPARTMENT and payload.donor_department is not None:
        department = departments_visible_to(user).filter(pk=payload.donor_department).first()
        if department is None:
            raise ValidationError({"donor_department": _("No department has this id.")})
        fields["donor_department"] = department
    return fields


@router.post("/aid/pledges", response={201: PledgeOut, **WRITE})
def create_pledge(request, payload: PledgeIn):
    """Record a pledge. Office staff record anyone's; other staff only their own."""
    if not permissions.can_record_pledge(request.user):
        raise PermissionDenied
    try:
        donor = _donor(request.user, payload)
    except PermissionDenied as refusal:
        return _forbidden(str(refusal))
    except ValidationError as error:
        return _refused(error)
    fields = {
        **donor,
        "donor_email": payload.donor_email,
        "note": payload.note,
    }
    if payload.pledged_on is not None:
        fields["pledged_on"] = payload.pledged_on
    try:
        pledge = services.pledge_create(
            fields=fields, lines=_items(payload.lines), user=request.user
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, get_object_or_404(_pledges(request.user), pk=pledge.pk))


@router.post("/aid/pledges/{pledge_id}/lots", response={201: LotOut, **WRITE})
def receive_lot(request, pledge_id: int, payload: LotIn):
    """Record a lot of the pledge as received and put it in stock (office staff)."""
    pledge = get_object_or_404(permissions.pledges_visible_to(request.user), pk=pledge_id)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    item = Item.objects.filter(pk=payload.item).first()
    if item is None:
        return _invalid({"item": [_("No item has this id.")]})
    receipt = services.Receipt(
        item=item,
        quantity=payload.quantity,
        lot_number=payload.lot_number,
        expires_on=payload.expires_on,
        location=payload.location,
        received_on=payload.received_on,
    )
    try:
        lot = services.pledge_receive(pledge=pledge, receipt=receipt, user=request.user)
    except ValidationError as error:
        return _refused(error)
    return Status(201, lot)


# --- requests ------------------------------------------------------------------------------


@router.get("/aid/requests", response=list[RequestOut])
@paginate(Pages, page_size=50)
def list_requests(request, filters: Query[RequestQuery]):
    """Partners' requests, newest first, with their lines. A partner contact sees their
    own institution's only."""
    requests = _requests(request.user)
    if filters.institution is not None:
        requests = requests.filter(institution_id=filters.institution)
    if filters.status is not None:
        requests = requests.filter(status=filters.status)
    return requests


@router.get("/aid/requests/{request_id}", response={200: RequestOut, **READ})
def get_request(request, request_id: int):
    """A request with each line's units requested, approved and allocated."""
    return _request_for_user(request.user, request_id)


@router.post("/aid/requests", response={201: RequestOut, **WRITE})
def create_request(request, payload: RequestIn):
    """Record a partner's need. A partner contact requests for their own institution (leave
    ``institution`` out); office staff for any partner."""
    user = request.user
    if not permissions.can_make_requests(user):
        raise PermissionDenied
    institution_id = payload.institution or permissions.partner_institution_id(user)
    if institution_id is None:
        return _invalid({"institution": [_("Choose the partner that asks.")]})
    if not permissions.can_request_for(user, institution_id):
        return _invalid({"institution": [_("You can request aid only for your own institution.")]})
    institution = institutions_visible_to(user).filter(pk=institution_id).first()
    if institution is None:
        return _invalid({"institution": [_("No partner has this id.")]})
    fields = payload.dict(include={"urgency", "delivery_address", "consignee", "consignee_phone"})
    fields["note"] = payload.note
    fields["needed_by"] = payload.needed_by
    try:
        created = services.request_create(
            institution=institution, fields=fields, lines=_items(payload.lines), user=user
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _request_for_user(user, created.pk))


@router.post("/aid/requests/{request_id}/approve", response={200: RequestOut, **WRITE})
def approve_request(request, request_id: int, payload: ApproveIn):
    """Approve all or part of an open request (office staff): units per line, allocated
    from stock at once, first expiry first out. 409 ``not_enough_stock`` when a line
    cannot be covered (the message says how many units are available) and
    ``already_decided`` when the request is no longer open; nothing is written then."""
    aid_request = _request_for_user(request.user, request_id)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    approved: dict[int, int] = {}
    for line in payload.lines:
        if line.line in approved:
            return _invalid({"lines": [_("Line %(id)s is listed twice.") % {"id": line.line}]})
        approved[line.line] = line.quantity
    try:
        services.request_approve(
            request=aid_request, approved=approved, user=request.user, note=payload.note
        )
    except ValidationError as error:
        return _refused(error)
    return _request_for_user(request.user, request_id)


# --- shipments -----------------------------------------------------------------------------


@router.get("/aid/shipments", response=list[ShipmentOut])
@paginate(Pages, page_size=50)
def list_shipments(request, filters: Query[ShipmentQuery]):
    """Shipments, newest first, with their lines, parcels and status history. A partner
    contact sees those to their own institution only."""
    shipments = _shipments(request.user)
    if filters.institution is not None:
        shipments = shipments.filter(institution_id=filters.institution)
    if filters.status is not None:
        shipments = shipments.filter(status=filters.status)
    return shipments


@router.get("/aid/shipments/{shipment_id}", response={200: ShipmentOut, **READ})
def get_shipment(request, shipment_id: int):
    return _shipment_for_user(request.user, shipment_id)


@router.post("/aid/shipments", response={201: ShipmentOut, **WRITE})
def create_shipment(request, payload: ShipmentIn):
    """Pack allocated units of one partner's requests into a new shipment (office staff)."""
    user = request.user
    if not permissions.can_manage_aid(user):
        raise PermissionDenied
    institution = institutions_visible_to(user).filter(pk=payload.institution).first()
    if institution is None:
        return _invalid({"institution": [_("No partner has this id.")]})
    allocations = Allocation.objects.in_bulk(payload.allocations)
    unknown = sorted(set(payload.allocations) - set(allocations))
    if unknown:
        return _invalid(
            {
                "allocations": [
                    _("No allocation has the id %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in unknown)}
                ]
            }
        )
    fields = payload.dict(include={"carrier", "tracking_number", "currency", "note"})
    try:
        shipment = services.shipment_create(
            institution=institution,
            allocations=list(allocations.values()),
            fields=fields,
            user=user,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _shipment_for_user(user, shipment.pk))


@router.post("/aid/shipments/{shipment_id}/parcels", response={201: ParcelOut, **WRITE})
def add_parcel(request, shipment_id: int, payload: ParcelIn):
    """Add a parcel to a shipment still being prepared (office staff)."""
    shipment = _shipment_for_user(request.user, shipment_id)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    try:
        parcel = services.parcel_add(shipment=shipment, fields=payload.dict())
    except ValidationError as error:
        return _refused(error)
    return Status(201, parcel)


@router.post("/aid/shipments/{shipment_id}/status", response={200: ShipmentOut, **WRITE})
def advance_shipment(request, shipment_id: int, payload: ShipmentStatusIn):
    """Move a shipment on: shipped, in customs, delivered (office staff). A step may be
    skipped, never taken back; "received" comes with the partner's receipt."""
    shipment = _shipment_for_user(request.user, shipment_id)
    if not permissions.can_manage_aid(request.user):
        raise PermissionDenied
    try:
        services.shipment_advance(
            shipment=shipment,
            status=payload.status,
            on=payload.on or timezone.localdate(),
            user=request.user,
            note=payload.note,
        )
    except ValidationError as error:
        return _refused(error)
    return _shipment_for_user(request.user, shipment_id)


@router.post("/aid/shipments/{shipment_id}/receipt", response={200: ShipmentOut, **WRITE})
def confirm_receipt(request, shipment_id: int, payload: ReceiptIn):
    """The partner's contact (or office staff, for a receipt sent by email) confirms what
    arrived, every line at once: units received, of which damaged, and a note on any
    shortfall."""
    shipment = _shipment_for_user(request.user, shipment_id)
    if not permissions.can_confirm_receipt(request.user, shipment):
        if shipment.status not in (ShipmentStatus.PREPARED, ShipmentStatus.RECEIVED):
            raise PermissionDenied
        # Whoever may see it is told why it cannot be confirmed now.
        message = (
            _("This shipment has already been confirmed as received.")
            if shipment.status == ShipmentStatus.RECEIVED
            else _("Only a shipment on its way or delivered can be confirmed as received.")
        )
        return Status(409, {"detail": message, "code": "conflict"})
    lines = [
        services.LineReceipt(
            allocation_id=line.allocation,
            received=line.received,
            damaged=line.damaged,
            note=line.note,
        )
        for line in payload.lines
    ]
    try:
        services.shipment_confirm_receipt(
            shipment=shipment, lines=lines, user=request.user, on=payload.on
        )
    except ValidationError as error:
        return _refused(error)
    return _shipment_for_user(request.user, shipment_id)
