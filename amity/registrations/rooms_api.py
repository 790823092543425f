"""Rooms, livestreams and offered places in the JSON API, through the same services as
the pages (``rooms``, ``offers``).

Who: the ways in, the assignments and the offers of an activity are its organisers'
(403 for others who see the activity, 404 for who does not). Answering an offer needs
only its token, the one in the offer's email (no login)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from amity.core.schemas import MULTI_LINE, InputSchema, Pages, Problem, errors_detail
from amity.registrations import offers, permissions, rooms, services
from amity.registrations.models import Offer, Registration, WayIn

router = Router(tags=["rooms and offers"])


class WayInIn(InputSchema):
    kind: str = Field(description="room (at most one per activity) or stream")
    platform: str = Field(description="E.g. Tencent Meeting, WeChat Channels, bilibili")
    url: str = Field(description="The join link or the livestream's address")
    capacity: int | None = Field(None, description="Room limit; null for none (rooms only)")
    details: Annotated[str, MULTI_LINE] = Field(
        "", description="Meeting ID and passcode, or how stream viewers ask questions"
    )
    priority: str = Field(
        "standard",
        description="Who gets the room first: standard (speakers and partner contacts, "
        "then invited institutions, then first come) or first_come",
    )
    invited_institutions: list[str] = Field(
        default_factory=list, description="Institutions whose people come second (standard)"
    )
    position: int = 0


class WayInPatch(InputSchema):
    platform: str = None
    url: str = None
    capacity: int | None = None
    details: str = None
    priority: str = None
    invited_institutions: list[str] = None
    position: int = None


class WayInOut(Schema):
    id: int
    kind: str
    platform: str
    url: str
    capacity: int | None
    details: str
    priority: str
    invited_institutions: list[str]
    position: int
    people: int = Field(description="Confirmed registrants assigned to it")


class WayInSaved(WayInOut):
    moved: int = Field(description="People who changed way in (each emailed once)")


class MovedOut(Schema):
    moved: int


class AssignmentOut(Schema):
    registration: int
    email: str
    status: str
    way_in: int | None = Field(description="The way in's id; null when not confirmed")
    kind: str | None = Field(description="room or stream")
    url: str | None = Field(description="The registrant's own link")
    changed_at: datetime | None


class OfferOut(Schema):
    id: int
    registration: int
    email: str
    status: str
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class OfferAnswerOut(Schema):
    status: str = Field(description="The offer's status: accepted or declined")
    registration_status: str


def _problem(error: ValidationError) -> Status:
    if hasattr(error, "error_dict"):
        errors = error.message_dict
        return Status(422, {"detail": errors_detail(errors), "errors": errors})
    return Status(422, {"detail": " ".join(error.messages)})


def _out(way_in: WayIn, people: int, moved: int | None = None) -> dict:
    out = {
        "id": way_in.pk,
        "kind": way_in.kind,
        "platform": way_in.platform,
        "url": way_in.url,
        "capacity": way_in.capacity,
        "details": way_in.details,
        "priority": way_in.priority,
        "invited_institutions": [
            line.strip() for line in way_in.invited_institutions.splitlines() if line.strip()
        ],
        "position": way_in.position,
        "people": people,
    }
    if moved is not None:
        out["moved"] = moved
    return out


def _fields(payload: dict) -> dict:
    if "invited_institutions" in payload:
        payload["invited_institutions"] = "\n".join(payload["invited_institutions"] or [])
    return payload


def _managed(request, activity_id: int):
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    if services.settings_for(activity) is None:
        raise Http404
    return activity


def _people(way_in: WayIn) -> int:
    counts = {c.way_in.pk: c.people for c in rooms.ways_in_counts(way_in.activity)}
    return counts.get(way_in.pk, 0)


@router.get(
    "/activities/{activity_id}/ways-in",
    response={200: list[WayInOut], 403: Problem, 404: Problem},
)
def list_ways_in(request, activity_id: int):
    """The activity's room and livestreams, each with how many people are assigned."""
    activity = _managed(request, activity_id)
    return [_out(c.way_in, c.people) for c in rooms.ways_in_counts(activity)]


@router.post(
    "/activities/{activity_id}/ways-in",
    response={201: WayInSaved, 403: Problem, 404: Problem, 422: Problem},
)
def create_way_in(request, activity_id: int, payload: WayInIn):
    """Add the room or a livestream; people are assigned again at once (lock held) and
    those whose way in changed are emailed once."""
    activity = _managed(request, activity_id)
    try:
        way_in, moved = rooms.way_in_save(
            way_in=WayIn(activity=activity), fields=_fields(payload.dict())
        )
    except ValidationError as error:
        return _problem(error)
    return Status(201, _out(way_in, _people(way_in), moved))


@router.patch(
    "/activities/{activity_id}/ways-in/{way_in_id}",
    response={200: WayInSaved, 403: Problem, 404: Problem, 422: Problem},
)
def update_way_in(request, activity_id: int, way_in_id: int, payload: WayInPatch):
    """Change a way in, e.g. the room's limit: people move between room and livestream,
    and only those who moved are emailed (once)."""
    activity = _managed(request, activity_id)
    way_in = WayIn.objects.filter(activity=activity, pk=way_in_id).first()
    if way_in is None:
        raise Http404
    try:
        way_in, moved = rooms.way_in_save(
            way_in=way_in, fields=_fields(payload.dict(exclude_unset=True))
        )
    except ValidationError as error:
        return _problem(error)
    return _out(way_in, _people(way_in), moved)


@router.delete(
    "/activities/{activity_id}/ways-in/{way_in_id}",
    response={200: MovedOut, 403: Problem, 404: Problem},
)
def delete_way_in(request, activity_id: int, way_in_id: int):
    activity = _managed(request, activity_id)
    try:
        return {"moved": rooms.way_in_delete(activity=activity, pk=way_in_id)}
    except WayIn.DoesNotExist:
        raise Http404 from None


@router.get(
    "/activities/{activity_id}/assignments",
    response={200: list[AssignmentOut], 403: Problem, 404: Problem},
)
@paginate(Pages, page_size=100)
def list_assignments(request, activity_id: int):
    """Each registration with its way in (the room or a livestream) and its own link."""
    activity = _managed(request, activity_id)
    rows = (
        Registration.objects.filter(activity=activity, erased_at__isnull=True)
        .select_related("way_in")
        .order_by("pk")
    )
    return [
        {
            "registration": r.pk,
            "email": r.email,
            "status": r.status,
            "way_in": r.way_in_id,
            "kind": r.way_in.kind if r.way_in else None,
            "url": r.way_in.url if r.way_in else None,
            "changed_at": r.way_in_changed_at,
        }
        for r in rows
    ]


@router.get(
    "/activities/{activity_id}/offers",
    response={200: list[OfferOut], 403: Problem, 404: Problem},
)
@paginate(Pages, page_size=100)
def list_offers(request, activity_id: int, status: str = "pending"):
    """The activity's offered places (``status``: pending by default, or all); offers
    past their deadline are expired first and their places passed on."""
    activity = _managed(request, activity_id)
    offers.offers_expire_lazily(activity)
    rows = Offer.objects.filter(activity=activity).select_related("registration")
    if status != "all":
        rows = rows.filter(status=status)
    return [
        {
            "id": o.pk,
            "registration": o.registration_id,
            "email": o.registration.email,
            "status": o.status,
            "offered_at": o.offered_at,
            "expires_at": o.expires_at,
            "answered_at": o.answered_at,
        }
        for o in rows.order_by("offered_at", "pk")
    ]


def _answer(token: UUID, accept: bool):
    offer = offers.offer_for_token(str(token))
    if offer is None or offer.registration.erased_at:
        raise Http404
    try:
        answer = (offers.offer_accept if accept else offers.offer_decline)(offer=offer)
    except offers.OfferClosed as closed:
        return Status(409, {"detail": str(closed)})
    return {"status": answer.offer.status, "registration_status": answer.registration.status}


@router.post(
    "/offers/{token}/accept",
    auth=None,
    response={200: OfferAnswerOut, 404: Problem, 409: Problem},
)
def accept_offer(request, token: UUID):
    """Accept an offered place before its deadline (the token is the one in the offer's
    email). 409 when it has expired or was answered."""
    return _answer(token, True)


@router.post(
    "/offers/{token}/decline",
    auth=None,
    response={200: OfferAnswerOut, 404: Problem, 409: Problem},
)
def decline_offer(request, token: UUID):
    """Decline an offered place: the registration is cancelled and the place offered to
    the next person waiting."""
    return _answer(token, False)
