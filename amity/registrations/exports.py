"""Registrant lists as CSV (UTF-8 with BOM, so that Excel shows Chinese names) and XLSX,
with the privacy notice each registrant accepted and their separate consents.

A list for the partner abroad (``for_partner``) holds only what the transfer consent
names — status, registration time, names, email, institution, country, profession — of
those who gave it (the caller narrows the list with ``selectors.for_partner_abroad``):
no answers (they may be sensitive), no way in, team, delivery or attendance details.
The organiser's list names each confirmed registrant's way to take part (the room or a
livestream) and the team they were registered with, if any."""

from django.utils.translation import gettext as _

from amity.core.spreadsheets import csv_bytes, xlsx_bytes
from amity.events.models import Activity
from amity.registrations.models import Registration


def _header(activity: Activity) -> list[str]:
    questions = list(activity.registration_questions.all())
    return [
        _("Status"),
        _("Registered"),
        _("Family name"),
        _("Given name"),
        _("Name in local script"),
        _("Email"),
        _("Institution"),
        _("Country"),
        _("Profession"),
        _("Time zone"),
        _("Waiting since"),
        _("Way to take part"),
        _("Team"),
        _("Email delivery"),
        _("Checked in"),
        _("Minutes attended"),
        _("Privacy notice version"),
        _("Consent to sensitive information"),
        _("Consent to transfer abroad"),
        *(q.label for q in questions),
    ], [str(q.pk) for q in questions]


# The columns the partner abroad receives: the first nine of the full list.
PARTNER_COLUMNS = 9


def rows(activity: Activity, qs, *, for_partner: bool = False) -> list[list]:
    header, question_ids = _header(activity)
    if for_partner:
        header, question_ids = header[:PARTNER_COLUMNS], []
    out = [header]
    for r in (
        qs.select_related("confirmation", "notice", "way_in")
        .prefetch_related("group_submissions")
        .order_by("created_at", "pk")
        .iterator(2000)
    ):
        row = _row(r, question_ids)
        out.append(row[:PARTNER_COLUMNS] if for_partner else row)
    return out


def _row(r: Registration, question_ids: list[str]) -> list:
    return [
        r.get_status_display(),
        r.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        r.family_name,
        r.given_name,
        r.name_local,
        r.email,
        r.institution,
        r.country.code or "",
        r.get_profession_display() if r.profession else "",
        r.time_zone,
        r.queued_at.strftime("%Y-%m-%d %H:%M:%S UTC") if r.status == "waiting" else "",
        str(r.way_in) if r.way_in_id else "",
        "; ".join(team.label for team in r.group_submissions.all()),
        r.confirmation.get_status_display() if r.confirmation else _("Not yet queued"),
        _("yes") if r.checked_in else "",
        r.minutes_attended if r.minutes_attended is not None else "",
        r.notice.version if r.notice_id else "",
        _consent(r.sensitive_consent),
        _consent(r.transfer_consent),
        *(r.answers.get(q, "") for q in question_ids),
    ]


def _consent(value: bool | None) -> str:
    """A consent as a cell: given, refused, or empty when it was not asked."""
    if value is None:
        return ""
    return _("yes") if value else _("refused")


def as_csv(activity: Activity, qs, *, for_partner: bool = False) -> bytes:
    return csv_bytes(rows(activity, qs, for_partner=for_partner))


def as_xlsx(activity: Activity, qs, *, for_partner: bool = False) -> bytes:
    return xlsx_bytes(rows(activity, qs, for_partner=for_partner), title=_("Registrants"))
