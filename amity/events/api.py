"""Activities and sessions in the JSON API. The same selectors, permission helpers and
services as the pages: an API client sees and changes exactly what its user could."""

from datetime import date, datetime, time
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from amity.core.schemas import (
    FilterSchema,
    Id,
    InputSchema,
    LongText,
    Pages,
    Problem,
    errors_detail,
)
from amity.directory.permissions import coordinated_department
from amity.events import permissions, selectors, services, timing

router = Router(tags=["activities"])


class SessionOut(Schema):
    id: int
    uid: UUID
    activity_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    local_start: str = Field(description="Wall-clock start in the session's own zone")
    status: str
    recurrence_id: datetime | None
    recording_url: str
    calendar_url: str

    @staticmethod
    def resolve_local_start(obj) -> str:
        return obj.local_start.isoformat()

    @staticmethod
    def resolve_calendar_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_feed_url())


class ActivityOut(Schema):
    id: int
    uid: UUID
    title: str
    title_local: str
    kind: str
    status: str
    visibility: str
    time_zone: str
    department: str | None
    partners: list[str]
    languages: list[str]
    description: str
    url: str
    calendar_url: str
    webcal_url: str

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department.slug if obj.department_id else None

    @staticmethod
    def resolve_partners(obj) -> list[str]:
        return [p.name for p in obj.partners.all()]

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return [language.code for language in obj.languages.all()]

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())

    @staticmethod
    def resolve_calendar_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_feed_url())

    @staticmethod
    def resolve_webcal_url(obj, context) -> str:
        url = context["request"].build_absolute_uri(obj.get_feed_url())
        return "webcal://" + url.split("://", 1)[1]


class ActivityIn(InputSchema):
    title: str
    title_local: str = ""
    kind: str
    status: str = "planned"
    visibility: str = "staff"
    time_zone: str = "Asia/Shanghai"
    department: str | None = Field(None, description="Department slug")
    partners: list[Id] = Field(default_factory=list, description="Institution ids")
    languages: list[str] = Field(default_factory=list, description="Language codes")
    description: LongText = ""
    video_provider: str = ""
    video_url: str = ""
    dial_in: LongText = ""


# In a PATCH a field left out keeps its value; null is no value and is refused (the
# defaults below are never validated, so they only mark a field as optional).
class ActivityPatch(InputSchema):
    title: str = None
    title_local: str = None
    status: str = None
    visibility: str = None
    description: LongText = None
    video_provider: str = None
    video_url: str = None
    dial_in: LongText = None
    department: str = Field(None, description="Department slug")
    partners: list[Id] = Field(None, description="Institution ids: replace the partners")
    languages: list[str] = Field(None, description="Language codes: replace the languages")


class WallClockIn(InputSchema):
    date: date
    time: time  # wall-clock, in time_zone: a time with a zone of its own is refused
    time_zone: str
    fold: int | None = Field(None, description="0 or 1: which of two instants in a DST fold")

    @field_validator("time")
    @classmethod
    def _time_is_wall_clock(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise PydanticCustomError(
                "time_with_zone", _("Give the time without a zone: the zone is time_zone.")
            )
        return value


class SessionIn(WallClockIn):
    title: str = ""
    duration_minutes: int = Field(60, ge=5, le=24 * 60)


class SeriesIn(SessionIn):
    rrule: str = Field(
        ..., description="RFC 5545 RRULE with COUNT or UNTIL, e.g. FREQ=WEEKLY;COUNT=10"
    )


class SessionPatch(InputSchema):
    status: str = Field(None, description="scheduled or cancelled")
    move_to: WallClockIn = None
    duration_minutes: int = Field(None, ge=5, le=24 * 60)
    title: str = None
    recording_url: str = None


class AgendaQuery(FilterSchema):
    q: str = ""
    kind: str = ""
    department: Id | None = None
    partner: Id | None = None
    language: str = ""


def _problem(error: ValidationError | timing.LocalTimeError) -> Status:
    if isinstance(error, timing.LocalTimeError):
        return Status(422, {"detail": str(error)})
    if hasattr(error, "error_dict"):
        # The same ``detail`` as a request that does not fit the schema (amity.api.api):
        # each field with its translated messages, so a client can show it as it is.
        errors = error.message_dict
        return Status(422, {"detail": errors_detail(errors), "errors": errors})
    return Status(422, {"detail": " ".join(error.messages)})


def _activity_fields(payload: dict) -> tuple[dict, dict]:
    """The activity's own fields and its partners and languages, resolved by the service
    the activity page uses too; raises ValidationError for an unknown one. Only the
    references in ``payload`` are returned: a PATCH that leaves one out keeps it."""
    given = {name: payload.pop(name) for name in services.ACTIVITY_REFERENCES if name in payload}
    references = services.activity_references_resolve(**given)
    if "department" in given:
        payload["department"] = references["department"]
    return payload, {name: references[name] for name in ("partners", "languages") if name in given}


def _check_department(user, fields: dict) -> None:
    """A coordinator organises activities for their own department only, as their
    activity page offers no other."""
    own = coordinated_department(user)
    if own is not None and "department" in fields and fields["department"] != own:
        raise PermissionDenied


@router.get("/activities", response=list[ActivityOut])
@paginate(Pages, page_size=50)
def list_activities(request, filters: Query[AgendaQuery]):
    activities = selectors.filter_activities(
        permissions.activities_visible_to(request.user),
        selectors.AgendaFilters(**filters.dict()),
    )
    return activities.select_related("department").prefetch_related("partners", "languages")


@router.get("/activities/{activity_id}", response={200: ActivityOut, 404: Problem})
def get_activity(request, activity_id: int):
    return permissions.get_activity_for_user(request.user, activity_id)


@router.post("/activities", response={201: ActivityOut, 403: Problem, 422: Problem})
def create_activity(request, payload: ActivityIn):
    if not permissions.can_create_activities(request.user):
        raise PermissionDenied
    try:
        fields, related = _activity_fields(payload.dict())
    except ValidationError as error:
        return _problem(error)
    _check_department(request.user, fields)
    try:
        return Status(201, services.activity_create(fields=fields, **related))
    except ValidationError as error:
        return _problem(error)


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, 403: Problem, 404: Problem, 422: Problem},
)
def update_activity(request, activity_id: int, payload: ActivityPatch):
    activity = permissions.get_activity_for_edit(request.user, activity_id)
    try:
        fields, related = _activity_fields(payload.dict(exclude_unset=True))
    except ValidationError as error:
        return _problem(error)
    _check_department(request.user, fields)
    try:
        return services.activity_update(activity=activity, fields=fields, **related)
    except ValidationError as error:
        return _problem(error)


@router.get("/activities/{activity_id}/sessions", response={200: list[SessionOut], 404: Problem})
def list_sessions(request, activity_id: int):
    activity = permissions.get_activity_for_user(request.user, activity_id)
    return selectors.activity_sessions(activity)


@router.post(
    "/activities/{activity_id}/sessions",
    response={201: SessionOut, 403: Problem, 404: Problem, 422: Problem},
)
def create_session(request, activity_id: int, payload: SessionIn):
    activity = permissions.get_activity_for_edit(request.user, activity_id)
    try:
        starts_at = timing.resolve_local(
            datetime.combine(payload.date, payload.time), payload.time_zone, fold=payload.fold
        )
        session = services.session_create(
            activity=activity,
            starts_at=starts_at,
            duration_minutes=payload.duration_minutes,
            time_zone=payload.time_zone,
            title=payload.title,
        )
    except (ValidationError, timing.LocalTimeError) as error:
        return _problem(error)
    return Status(201, session)


@router.post(
    "/activities/{activity_id}/series",
    response={201: list[SessionOut], 403: Problem, 404: Problem, 422: Problem},
)
def create_series(request, activity_id: int, payload: SeriesIn):
    activity = permissions.get_activity_for_edit(request.user, activity_id)
    try:
        series = services.series_create(
            activity=activity,
            start_date=payload.date,
            start_time=payload.time,
            time_zone=payload.time_zone,
            rrule=payload.rrule,
            duration_minutes=payload.duration_minutes,
            title=payload.title,
            fold=payload.fold,
        )
    except (ValidationError, timing.LocalTimeError) as error:
        return _problem(error)
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, list(series.sessions.order_by("starts_at")))


@router.get("/sessions/{session_id}", response={200: SessionOut, 404: Problem})
def get_session(request, session_id: int):
    return permissions.get_session_for_user(request.user, session_id)


@router.patch(
    "/sessions/{session_id}", response={200: SessionOut, 403: Problem, 404: Problem, 422: Problem}
)
def update_session(request, session_id: int, payload: SessionPatch):
    """Move (``move_to``), cancel or restore (``status``), retitle, or add a recording."""
    session = permissions.get_session_for_edit(request.user, session_id)
    try:
        if payload.move_to is not None:
            wall = payload.move_to
            starts_at = timing.resolve_local(
                datetime.combine(wall.date, wall.time), wall.time_zone, fold=wall.fold
            )
            session = services.session_move(
                session=session, starts_at=starts_at, duration_minutes=payload.duration_minutes
            )
        if payload.status == "cancelled":
            session = services.session_cancel(session=session)
        elif payload.status == "scheduled":
            session = services.session_restore(session=session)
        elif payload.status is not None:
            return Status(422, {"detail": "status must be scheduled or cancelled."})
        changes = payload.dict(include={"title", "recording_url"}, exclude_unset=True)
        if changes:
            session = services.session_update(session=session, fields=changes)
    except (ValidationError, timing.LocalTimeError) as error:
        return _problem(error)
    return session
