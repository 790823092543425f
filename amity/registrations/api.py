"""Registration in the JSON API: public registration and cancellation (no login, rate
limited), and the organiser's list and export. Validation is the registration form's, so a
bad field gets the same message as on the page."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from amity.core import ratelimit
from amity.core.schemas import MULTI_LINE, FilterSchema, InputSchema, Pages
from amity.registrations import exports, permissions, selectors, services
from amity.registrations.forms import RegistrationForm
from amity.registrations.links import self_service_token
from amity.registrations.models import Registration

router = Router(tags=["registrations"])


class RegistrationIn(InputSchema):
    family_name: str = ""
    given_name: str = ""
    name_local: str = ""
    email: str = ""
    institution: str = ""
    country: str = Field("", description="ISO 3166 code, e.g. CN")
    profession: str = ""
    time_zone: str = Field("UTC", description="IANA zone, e.g. Asia/Shanghai")
    language: str = Field("en", description="en or zh-hans: the language of the emails")
    consent: bool = Field(False, description="Agreement to the privacy notice; required")
    answers: Annotated[dict[str, str], MULTI_LINE] = Field(
        default_factory=dict, description="Question id → answer"
    )
    website: str = Field("", description="Leave empty (a trap for bots)")


class RegistrationOut(Schema):
    status: str
    position: int | None = Field(None, description="Place on the waiting list")
    token: str = Field(description="Signed token for the registrant's page and cancellation")
    manage_url: str


class AlreadyRegisteredOut(Schema):
    status: str = "already_registered"
    detail: str


class ErrorsOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class CancelIn(InputSchema):
    token: str


class RegistrantOut(Schema):
    id: int
    status: str
    family_name: str
    given_name: str
    name_local: str
    email: str
    institution: str
    country: str
    profession: str
    time_zone: str
    created_at: datetime
    queued_at: datetime
    delivery: str | None
    checked_in: bool
    minutes_attended: int | None

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code or ""

    @staticmethod
    def resolve_delivery(obj) -> str | None:
        return obj.confirmation.status if obj.confirmation_id else None


class RegistrantQuery(FilterSchema):
    q: str = ""
    status: str = ""
    country: str = ""
    profession: str = ""
    institution: str = ""
    delivery: str = ""


def _out(registration: Registration, position: int | None) -> dict:
    token = self_service_token(registration)
    return {
        "status": registration.status,
        "position": position,
        "token": token,
        "manage_url": settings.AMITY_SITE_URL + registration.get_absolute_url(),
    }


@router.post(
    "/activities/{activity_id}/registrations",
    auth=None,
    response={
        201: RegistrationOut,
        200: RegistrationOut | AlreadyRegisteredOut,
        404: ErrorsOut,
        409: ErrorsOut,
        422: ErrorsOut,
        429: ErrorsOut,
    },
    summary="Register for an activity (public)",
)
def register(request, activity_id: int, payload: RegistrationIn):
    """Anyone may register for a public activity. Registering again with the same email
    returns the existing registration when the request carries the same
    ``Idempotency-Key`` header as the one that made it; otherwise it only says the address
    is registered (the link is in the confirmation email)."""
    if not ratelimit.allow(request, "register", settings.AMITY_REGISTRATION_RATE):
        return Status(
            429, {"detail": _("Too many registrations from your address. Wait a minute.")}
        )
    activity = selectors.activity_to_register_for(request.user, activity_id)
    if activity is None:
        return Status(404, {"detail": _("This activity does not take registrations.")})
    questions = selectors.questions_of(activity)
    data = payload.dict()
    for question in questions:
        data[f"q{question.pk}"] = payload.answers.get(str(question.pk), "")
    data["consent"] = "on" if payload.consent else ""
    from django.utils import translation

    language = "zh-hans" if payload.language == "zh-hans" else "en"
    with translation.override(language):
        form = RegistrationForm(data, questions=questions)
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            return Status(422, {"detail": _("Please correct the errors."), "errors": errors})
        fields = form.registration_fields()
    key = request.headers.get("Idempotency-Key", "")[:64]
    try:
        outcome = services.registration_create(activity=activity, fields=fields, submission_key=key)
    except services.NotTakingRegistrations as absent:
        return Status(404, {"detail": str(absent)})
    except services.RegistrationClosed as closed:
        return Status(409, {"detail": str(closed)})
    if not outcome.taken:
        out = _out(outcome.registration, outcome.position)
        return Status(201 if outcome.created else 200, out)
    return Status(
        200,
        {
            "detail": _(
                "This email address is already registered. The confirmation email sent to it "
                "holds the link to the registration."
            )
        },
    )


@router.post(
    "/registrations/cancel",
    auth=None,
    response={200: RegistrationOut, 404: ErrorsOut, 429: ErrorsOut},
    summary="Cancel a registration with its signed token (public)",
)
def cancel(request, payload: CancelIn):
    if not ratelimit.allow(request, "cancel", settings.AMITY_REGISTRATION_RATE):
        return Status(429, {"detail": _("Too many attempts from your address. Wait a minute.")})
    registration = permissions.registration_for_token(payload.token)
    if registration is None:
        return Status(404, {"detail": _("This link is not valid (any more).")})
    registration = services.registration_cancel(registration=registration)
    return Status(200, _out(registration, selectors.waiting_position(registration)))


@router.get(
    "/activities/{activity_id}/registrations",
    response=list[RegistrantOut],
    summary="Registrants of an activity (organisers)",
)
@paginate(Pages, page_size=100)
def registrants(request, activity_id: int, filters: Query[RegistrantQuery]):
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    return selectors.registrants(
        activity, selectors.RegistrantFilters.from_dict(filters.dict())
    ).order_by("created_at", "pk")


@router.get(
    "/activities/{activity_id}/registrations/export",
    summary="Registrants as CSV or XLSX (organisers)",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def export(request, activity_id: int, format: str = "csv", filters: Query[RegistrantQuery] = None):
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    qs = selectors.registrants(
        activity, selectors.RegistrantFilters.from_dict(filters.dict() if filters else {})
    )
    if format == "csv":
        response = HttpResponse(exports.as_csv(activity, qs), content_type="text/csv")
    elif format == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(activity, qs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="registrants-{activity.pk}.{format}"'
    return response
