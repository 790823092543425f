"""Group registration in the JSON API: a team's table as JSON rows or an uploaded file,
checked exactly as on the page (``groups``): every problem of every row in one 422, or
everyone registered at once. With ``dry_run`` only the check is made.

Who: a partner contact of one of the activity's partner institutions, or its organisers
(``/activities/{id}/group-registrations``), or anyone with a group link
(``/group-links/{token}/registrations``, no login). Organisers make, list and revoke the
links and list the teams registered."""

from datetime import datetime, timedelta

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from amity.core import ratelimit
from amity.core.schemas import Id, InputSchema
from amity.directory.models import Institution
from amity.registrations import groups, permissions, services
from amity.registrations.models import GroupLink

router = Router(tags=["group registration"])


class TeamRowIn(InputSchema):
    name_local: str = Field("", description="Name in Chinese (or another local script)")
    name_latin: str = Field("", description="Full name in Latin script, e.g. FU Junfen")
    family_name: str = Field("", description="Or the Latin name in two parts")
    given_name: str = ""
    email: str
    profession: str = Field("", description="physician, nurse, … (or 医生, 护士, …)")
    institution: str = Field("", description="Empty: the team's institution")
    time_zone: str = Field("", description="IANA zone; empty: the institution's")
    language: str = Field("", description="en or zh-hans: the language of the emails")


class TeamIn(InputSchema):
    rows: list[TeamRowIn]
    consent: bool = Field(
        False,
        description="The coordinator confirms that everyone in the table has read the "
        "privacy notice and agrees to it; required unless dry_run",
    )
    dry_run: bool = Field(False, description="Only check the table")
    language: str = Field("en", description="en or zh-hans: of the messages")


class TeamProblemOut(Schema):
    row: int | None = Field(description="Row number (1 = the first row of JSON; in a file "
                            "as the spreadsheet shows it); null: the whole table")  # fmt: skip
    column: str
    message: str


class TeamErrorsOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="Row number → its problems")
    problems: list[TeamProblemOut] = Field(
        [], description="Every problem of every row (empty when the request itself is malformed)"
    )
    notes: list[TeamProblemOut] = []


class TeamCheckedOut(Schema):
    ok: bool
    people: int
    notes: list[TeamProblemOut]


class RegisteredOut(Schema):
    email: str
    status: str


class SubmissionOut(Schema):
    id: int
    label: str
    institution: str | None
    created_at: datetime
    rows: int
    confirmed: int
    waiting: int
    already: int

    @staticmethod
    def resolve_institution(obj) -> str | None:
        return obj.institution.name if obj.institution_id else None


class SubmittedOut(SubmissionOut):
    registrations: list[RegisteredOut]

    @staticmethod
    def resolve_registrations(obj) -> list[dict]:
        return [{"email": r.email, "status": r.status} for r in obj.registrations.order_by("pk")]


class DetailOut(Schema):
    detail: str


class GroupLinkIn(InputSchema):
    institution_id: Id | None = None
    label: str = ""
    days: int = Field(14, ge=1, le=90, description="How long the link works")


class GroupLinkOut(Schema):
    id: int
    label: str
    institution: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_institution(obj) -> str | None:
        return obj.institution.name if obj.institution_id else None


class GroupLinkMadeOut(GroupLinkOut):
    url: str = Field(description="The link, given only now (Amity keeps its hash)")


def _errors(check: groups.TeamCheck) -> dict:
    by_row: dict[str, list[str]] = {}
    for problem in check.problems:
        key = str(problem.row) if problem.row is not None else "table"
        by_row.setdefault(key, []).append(
            f"{problem.column}: {problem.message}" if problem.column else problem.message
        )
    return {
        "detail": _("The table has problems: nothing was registered."),
        "errors": by_row,
        "problems": check.problems,
        "notes": check.notes,
    }


def _submit(request, activity, table, *, institution, label, link, consent, dry_run, language):
    check = groups.team_check(activity, table, institution=institution, language=language)
    if not check.ok:
        return Status(422, _errors(check))
    if dry_run:
        return Status(200, {"ok": True, "people": len(check.people), "notes": check.notes})
    if not consent:
        return Status(
            422,
            {
                "detail": _("Confirm that everyone in the table has read the privacy notice."),
                "errors": {"consent": [_("This field is required.")]},
                "problems": [],
            },
        )
    try:
        submission, _check = groups.group_register(
            activity=activity,
            table=table,
            user=request.user if request.user.is_authenticated else None,
            institution=institution,
            label=label,
            link=link,
            language=language,
        )
    except groups.TeamInvalid as invalid:
        return Status(422, _errors(invalid.check))
    except groups.GroupLinkUnusable as gone:
        return Status(410, {"detail": str(gone)})
    except services.RegistrationClosed as closed:
        return Status(409, {"detail": str(closed)})
    return Status(201, submission)


RESPONSES = {
    200: TeamCheckedOut,
    201: SubmittedOut,
    404: DetailOut,
    409: DetailOut,
    410: DetailOut,
    422: TeamErrorsOut,
    429: DetailOut,
}


def _language(value: str) -> str:
    return "zh-hans" if value == "zh-hans" else "en"


@router.post(
    "/activities/{activity_id}/group-registrations",
    response=RESPONSES,
    summary="Register a team from JSON rows (partner contacts, organisers)",
)
def team_json(request, activity_id: int, payload: TeamIn):
    """All rows are checked first; any problem answers 422 with every row's problems and
    saves nothing. Otherwise everyone is registered in one transaction (places, then the
    waiting list, in the order of the rows) and each is emailed their own link (201)."""
    activity, institution = groups.get_activity_for_team(request.user, activity_id)
    language = _language(payload.language)
    with translation.override(language):
        table = groups.table_from_rows(row.dict() for row in payload.rows)
        return _submit(
            request, activity, table, institution=institution, label="", link=None,
            consent=payload.consent, dry_run=payload.dry_run, language=language,
        )  # fmt: skip


@router.post(
    "/activities/{activity_id}/group-registrations/upload",
    response=RESPONSES,
    summary="Register a team from a CSV or Excel file (partner contacts, organisers)",
)
def team_upload(
    request,
    activity_id: int,
    file: File[UploadedFile],
    consent: Form[bool] = False,
    dry_run: Form[bool] = False,
    language: Form[str] = "en",
):
    """The file as on the page: a header row in English or Chinese, rows numbered as the
    spreadsheet shows them."""
    activity, institution = groups.get_activity_for_team(request.user, activity_id)
    language = _language(language)
    with translation.override(language):
        table = groups.read_team_table(file.read(), file.name or "")
        return _submit(
            request, activity, table, institution=institution, label="", link=None,
            consent=consent, dry_run=dry_run, language=language,
        )  # fmt: skip


def _link(request, token: str):
    if not ratelimit.allow(request, "team", 30):
        detail = _("Too many attempts from your address. Wait a minute.")
        return None, Status(429, {"detail": detail})
    link = groups.group_link_for_token(token)
    if link is None:
        return None, Status(404, {"detail": _("This link is not valid (any more).")})
    if problem := groups.group_link_problem(link):
        return None, Status(410, {"detail": problem})
    if services.settings_for(link.activity) is None:
        return None, Status(404, {"detail": _("This activity does not take registrations.")})
    return link, None


@router.post(
    "/group-links/{token}/registrations",
    auth=None,
    response=RESPONSES,
    summary="Register a team from JSON rows with a group link (no login)",
)
def team_json_by_link(request, token: str, payload: TeamIn):
    """As ``/activities/{id}/group-registrations``, for the team the link names; a link
    registers one team (410 afterwards, and once expired or revoked)."""
    link, refused = _link(request, token)
    if refused:
        return refused
    language = _language(payload.language)
    with translation.override(language):
        table = groups.table_from_rows(row.dict() for row in payload.rows)
        return _submit(
            request, link.activity, table, institution=link.institution, label=link.label,
            link=link, consent=payload.consent, dry_run=payload.dry_run, language=language,
        )  # fmt: skip


@router.post(
    "/group-links/{token}/registrations/upload",
    auth=None,
    response=RESPONSES,
    summary="Register a team from a file with a group link (no login)",
)
def team_upload_by_link(
    request,
    token: str,
    file: File[UploadedFile],
    consent: Form[bool] = False,
    dry_run: Form[bool] = False,
    language: Form[str] = "en",
):
    link, refused = _link(request, token)
    if refused:
        return refused
    language = _language(language)
    with translation.override(language):
        table = groups.read_team_table(file.read(), file.name or "")
        return _submit(
            request, link.activity, table, institution=link.institution, label=link.label,
            link=link, consent=consent, dry_run=dry_run, language=language,
        )  # fmt: skip


@router.get(
    "/activities/{activity_id}/group-links",
    response=list[GroupLinkOut],
    summary="Group links of an activity (organisers)",
)
def links(request, activity_id: int):
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    return list(activity.group_links.select_related("institution"))


@router.post(
    "/activities/{activity_id}/group-links",
    response={201: GroupLinkMadeOut, 404: DetailOut, 422: TeamErrorsOut},
    summary="Make a one-time group link (organisers)",
)
def link_create(request, activity_id: int, payload: GroupLinkIn):
    """The answer's ``url`` is the only time the link is shown."""
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    institution = None
    if payload.institution_id is not None:
        institution = get_object_or_404(Institution, pk=payload.institution_id)
    if institution is None and not payload.label.strip():
        return Status(
            422,
            {
                "detail": _("Name the team, or choose its institution."),
                "errors": {"label": [_("Name the team, or choose its institution.")]},
            },
        )
    link, token = groups.group_link_create(
        activity=activity,
        label=payload.label,
        institution=institution,
        expires_at=timezone.now() + timedelta(days=payload.days),
        user=request.user,
    )
    link.url = settings.AMITY_SITE_URL + reverse("registrations:team_by_link", args=[token])
    return Status(201, link)


@router.post(
    "/activities/{activity_id}/group-links/{link_id}/revoke",
    response={200: GroupLinkOut, 404: DetailOut},
    summary="Revoke a group link (organisers)",
)
def link_revoke(request, activity_id: int, link_id: Id):
    activity = permissions.get_activity_to_manage(request.user, activity_id)
    link = get_object_or_404(GroupLink, activity=activity, pk=link_id)
    return groups.group_link_revoke(link=link)


@router.get(
    "/activities/{activity_id}/group-registrations",
    response=list[SubmissionOut],
    summary="Teams registered for an activity (organisers: all; partner contacts: their own)",
)
def submissions(request, activity_id: int):
    activity, _institution = groups.get_activity_for_team(request.user, activity_id)
    return list(groups.submissions_visible(request.user, activity))
