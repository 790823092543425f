"""Registration in the JSON API: public registration and cancellation (no login, rate
limited), the privacy notice, and the organiser's list and export. Validation is the
registration form's, so a bad field gets the same message as on the page.

The public registration answers every accepted request alike — 202 "we have sent an
email to this address" — for a new address and a known one: whoever asks learns nothing
about who registered, and the emailed link is the way to one's registration."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from amity.core import ratelimit
from amity.core.schemas import MULTI_LINE, FilterSchema, InputSchema, Pages
from amity.registrations import exports, permissions, selectors, services
from amity.registrations.forms import RegistrationForm
from amity.registrations.groups_api import router as groups_router
from amity.registrations.links import self_service_token
from amity.registrations.models import Registration
from amity.registrations.rooms_api import router as rooms_router

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
    notice_version: int | None = Field(
        None,
        description="The version of the privacy notice shown to the registrant "
        "(GET /privacy-notice); refused with 422 when another version is in effect. "
        "Empty: the version in effect is recorded.",
    )
    sensitive_consent: bool = Field(
        False,
        description="Separate consent to processing sensitive personal information: needed "
        "to answer the questions marked sensitive (left unanswered without it)",
    )
    transfer_consent: bool = Field(
        False,
        description="Separate consent to the data being provided to the activity's partner "
        "institutions abroad (see the registration form's partners_abroad); refusing it "
        "does not refuse the registration",
    )
    answers: Annotated[dict[str, str], MULTI_LINE] = Field(
        default_factory=dict, description="Question id → answer"
    )
    website: str = Field("", description="Leave empty (a trap for bots)")


class RegistrationOut(Schema):
    status: str
    position: int | None = Field(None, description="Place on the waiting list")
    token: str = Field(description="Signed token for the registrant's page and cancellation")
    manage_url: str


class EmailSentOut(Schema):
    status: str = Field("email_sent", description="Always email_sent")
    detail: str


class NoticeOut(Schema):
    version: int
    text: str = Field(description="In English")
    text_local: str = Field(description="In Chinese")
    effective_at: datetime


class QuestionOut(Schema):
    id: int
    label: str
    label_local: str
    kind: str
    choices: list[str]
    required: bool
    sensitive: bool = Field(description="Answered only with sensitive_consent")

    @staticmethod
    def resolve_choices(obj) -> list[str]:
        return obj.choice_list


class PartnerAbroadOut(Schema):
    name: str
    name_local: str
    country: str

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code or ""


class RegistrationFormOut(Schema):
    accepting: bool
    notice: NoticeOut
    questions: list[QuestionOut]
    partners_abroad: list[PartnerAbroadOut] = Field(
        description="When not empty, ask transfer_consent separately"
    )


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
    notice_version: int | None
    sensitive_consent: bool | None = Field(description="None: not asked")
    sensitive_consent_at: datetime | None
    transfer_consent: bool | None = Field(description="None: not asked")
    transfer_consent_at: datetime | None

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code or ""

    @staticmethod
    def resolve_notice_version(obj) -> int | None:
        return obj.notice.version if obj.notice_id else None

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
    sensitive: str = Field("", description="yes, no or unasked")
    transfer: str = Field("", description="yes, no or unasked")


def _out(registration: Registration, position: int | None) -> dict:
    token = self_service_token(registration)
    return {
        "status": registration.status,
        "position": position,
        "token": token,
        "manage_url": settings.AMITY_SITE_URL + registration.get_absolute_url(),
    }


@router.get(
    "/privacy-notice",
    auth=None,
    response=NoticeOut,
    summary="The privacy notice in effect (public)",
)
def privacy_notice(request):
    """The version registrants accept now, in English and Chinese: show it, and send its
    ``version`` as ``notice_version`` when registering."""
    return services.privacy_notice_current()


@router.get(
    "/activities/{activity_id}/registration-form",
    auth=None,
    response={200: RegistrationFormOut, 404: ErrorsOut},
    summary="What registering for an activity asks (public)",
)
def registration_form(request, activity_id: int):
    """The questions (those marked ``sensitive`` need ``sensitive_consent``), the partner
    institutions abroad (when any, ask ``transfer_consent`` separately) and the privacy
    notice in effect."""
    activity = selectors.activity_to_register_for(request.user, activity_id)
    row = services.settings_for(activity) if activity is not None else None
    if row is None:
        return Status(404, {"detail": _("This activity does not take registrations.")})
    return {
        "accepting": row.accepting_now(),
        "notice": services.privacy_notice_current(),
        "questions": selectors.questions_of(activity),
        "partners_abroad": selectors.partners_abroad(activity),
    }


@router.post(
    "/activities/{activity_id}/registrations",
    auth=None,
    response={
        202: EmailSentOut,
        404: ErrorsOut,
        409: ErrorsOut,
        422: ErrorsOut,
        429: ErrorsOut,
    },
    summary="Register for an activity (public)",
)
def register(request, activity_id: int, payload: RegistrationIn):
    """Anyone may register for a public activity. Every accepted request gets the same
    answer, 202 ``email_sent``, whether the address is new or already registered: a new
    address gets its confirmation, a known one an email with the link to its registration
    (at most one such email every ``AMITY_REGISTRATION_LINK_EMAIL_MINUTES``). The link in
    the email is the only way to the registration; nothing in the answer tells who
    registered. While registration is closed the answer is 409 for every address.

    Repeating a request with the same ``Idempotency-Key`` header as the one that made the
    registration gets the same answer and sends nothing again (a retry after a timeout is
    safe); the key shows nothing, whoever sends it.

    The privacy notice (``consent``, ``notice_version``) and the two separate consents
    (``sensitive_consent``, ``transfer_consent``) are recorded with their time; see
    ``GET /activities/{id}/registration-form`` for which apply."""
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
    for name in RegistrationForm.CONSENTS:
        data[name] = "on" if data[name] else ""
    if payload.notice_version is None:
        data.pop("notice_version")
    language = "zh-hans" if payload.language == "zh-hans" else "en"
    with translation.override(language):
        form = RegistrationForm(
            data,
            questions=questions,
            partners_abroad=selectors.partners_abroad(activity),
            notice=services.privacy_notice_current(),
        )
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            return Status(422, {"detail": _("Please correct the errors."), "errors": errors})
        fields = form.registration_fields()
    key = request.headers.get("Idempotency-Key", "")[:64]
    try:
        services.registration_create(activity=activity, fields=fields, submission_key=key)
    except services.NotTakingRegistrations as absent:
        return Status(404, {"detail": str(absent)})
    except services.RegistrationClosed as closed:
        return Status(409, {"detail": str(closed)})
    return Status(202, {"detail": services.email_sent_message(fields["email"])})


@router.post(
    "/registrations/cancel",
    auth=None,
    response={200: RegistrationOut, 404: ErrorsOut, 410: ErrorsOut, 429: ErrorsOut},
    summary="Cancel a registration with its signed token (public)",
)
def cancel(request, payload: CancelIn):
    """410 once the registration's data is erased (or its retention period is over)."""
    if not ratelimit.allow(request, "cancel", settings.AMITY_REGISTRATION_RATE):
        return Status(429, {"detail": _("Too many attempts from your address. Wait a minute.")})
    try:
        registration = permissions.registration_for_token(payload.token)
    except permissions.RegistrationGone:
        return Status(410, {"detail": _("This registration's data has been erased.")})
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
def export(
    request,
    activity_id: int,
    format: str = "csv",
    for_partner: bool = False,
    filters: Query[RegistrantQuery] = None,
):
    """``for_partner=true``: the list meant for the partner institution abroad, without
    the registrants who refused (or were never asked) to have their data provided
    abroad."""
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    qs = selectors.registrants(
        activity, selectors.RegistrantFilters.from_dict(filters.dict() if filters else {})
    )
    if for_partner:
        qs = selectors.for_partner_abroad(qs)
    if format == "csv":
        response = HttpResponse(
            exports.as_csv(activity, qs, for_partner=for_partner), content_type="text/csv"
        )
    elif format == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(activity, qs, for_partner=for_partner),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="registrants-{activity.pk}.{format}"'
    return response


# Group registration (``groups_api``): its operations in this router's place.
router.add_router("/", groups_router)
router.add_router("/", rooms_router)
