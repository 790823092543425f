"""Registrant lists as CSV (UTF-8 with BOM, so that Excel shows Chinese names) and XLSX."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

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
        _("Email delivery"),
        _("Checked in"),
        _("Minutes attended"),
        *(q.label for q in questions),
    ], [str(q.pk) for q in questions]


def rows(activity: Activity, qs) -> list[list]:
    header, question_ids = _header(activity)
    out = [header]
    for r in qs.select_related("confirmation").order_by("created_at", "pk").iterator(2000):
        out.append(_row(r, question_ids))
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
        r.confirmation.get_status_display() if r.confirmation else _("Not yet queued"),
        _("yes") if r.checked_in else "",
        r.minutes_attended if r.minutes_attended is not None else "",
        *(r.answers.get(q, "") for q in question_ids),
    ]


def _safe(value):
    """Spreadsheet programs run cells starting with = + - @ as formulas: neutralise them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(activity: Activity, qs) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(activity, qs):
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(activity: Activity, qs) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Registrants"))
    for row in rows(activity, qs):
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
