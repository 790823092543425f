"""Reading an attendance report into an activity: match rows to registrants, record what
matched and what did not (row by row), and recount each registrant's minutes."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from amity.events.models import Activity, Session
from amity.registrations.attendance import MatchResult, ParsedReport, match_rows
from amity.registrations.models import AttendanceImport, Registration


@dataclass(frozen=True)
class _Registrant:
    pk: int
    email: str
    name: str
    name_local: str


def _registrants(activity: Activity) -> list[_Registrant]:
    rows = Registration.objects.filter(activity=activity, erased_at__isnull=True).values_list(
        "pk", "email", "given_name", "family_name", "name_local"
    )
    return [
        _Registrant(pk, email, " ".join(p for p in (given, family) if p), local)
        for pk, email, given, family, local in rows
    ]


def _report(parsed: ParsedReport, result: MatchResult, names: dict[int, str]) -> list[dict]:
    lines = []
    for pk, rows in result.rows_by_registrant.items():
        for row in rows:
            lines.append(
                {"row": row.row_number, "name": row.name, "email": row.email,
                 "minutes": row.minutes, "matched": names.get(pk, ""), "registrant": pk,
                 "message": ""}
            )  # fmt: skip
    for item in result.unmatched:
        row = item.row
        lines.append(
            {"row": row.row_number, "name": row.name, "email": row.email,
             "minutes": row.minutes, "matched": "", "message": item.reason}
        )  # fmt: skip
    for error in parsed.errors:
        lines.append(
            {"row": error.row_number, "name": error.name, "email": error.email, "minutes": None,
             "matched": "", "message": error.message}
        )  # fmt: skip
    return sorted(lines, key=lambda line: line["row"])


def attendance_import(
    *,
    activity: Activity,
    session: Session | None,
    filename: str,
    parsed: ParsedReport,
    user,
) -> AttendanceImport:
    """Record one report and recount the minutes of every registrant of the activity."""
    registrants = _registrants(activity)
    result = match_rows(parsed.rows, registrants)
    names = {r.pk: f"{r.name} <{r.email}>" if r.email else r.name for r in registrants}
    with transaction.atomic():
        record = AttendanceImport.objects.create(
            activity=activity,
            session=session,
            source=parsed.source,
            filename=filename[:200],
            rows=len(parsed.rows) + len(parsed.errors),
            matched=len(result.matched),
            report=_report(parsed, result, names),
            minutes={str(pk): minutes for pk, minutes in result.matched.items()},
            created_by=user,
        )
        minutes_recount(activity=activity)
    return record


def minutes_recount(*, activity: Activity) -> int:
    """Each registrant's minutes: for every session, the latest report read for it (a report
    read again replaces the earlier one), added up. Registrants in no report keep none."""
    latest: dict[int | None, AttendanceImport] = {}
    for record in AttendanceImport.objects.filter(activity=activity).order_by("created_at", "pk"):
        latest[record.session_id] = record
    totals: dict[int, int] = defaultdict(int)
    for record in latest.values():
        for pk, minutes in record.minutes.items():
            totals[int(pk)] += int(minutes)
    registrations = list(Registration.objects.filter(activity=activity, erased_at__isnull=True))
    for registration in registrations:
        registration.minutes_attended = totals.get(registration.pk)
    Registration.objects.bulk_update(registrations, ["minutes_attended"], batch_size=1000)
    return len(totals)
