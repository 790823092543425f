"""Reading an attendance report into an activity: match rows to registrants, record what
matched and what did not (row by row), and recount each registrant's minutes."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from amity.events.models import Activity, Session
from amity.registrations.attendance import GENERIC, MatchResult, ParsedReport, match_rows
from amity.registrations.attendance_merge import ROOM, merged_minutes, report_people
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
    platform: str = ROOM,
    platform_name: str = "",
) -> AttendanceImport:
    """Record one report of one way in (``platform``: the room or a livestream) and
    recount the minutes of every registrant of the activity, merged per session across
    its ways in (``attendance_merge``)."""
    registrants = _registrants(activity)
    result = match_rows(parsed.rows, registrants)
    names = {r.pk: f"{r.name} <{r.email}>" if r.email else r.name for r in registrants}
    with transaction.atomic():
        record = AttendanceImport.objects.create(
            activity=activity,
            session=session,
            # A livestream's export is read as a table, whatever its columns resemble.
            source=parsed.source if platform == ROOM else GENERIC,
            filename=filename[:200],
            rows=len(parsed.rows) + len(parsed.errors),
            matched=len(result.matched),
            report=_report(parsed, result, names),
            minutes={str(pk): minutes for pk, minutes in result.matched.items()},
            platform=platform,
            platform_name=platform_name.strip()[:100],
            people=report_people(result.rows_by_registrant, (u.row for u in result.unmatched)),
            created_by=user,
        )
        minutes_recount(activity=activity)
    return record


def minutes_recount(*, activity: Activity) -> int:
    """Each registrant's minutes: for every session, the latest report of each of its ways
    in (a report read again replaces the earlier one), merged per person so that time in
    the room and on the stream at once counts once, then added up over the sessions.
    Registrants in no report keep none. Only the rows whose minutes change are written."""
    totals = merged_minutes(activity)
    # One UPDATE per distinct figure (a few hundred at most), not one CASE per row: a
    # 20,000-viewer stream changes thousands of registrants at once.
    changed: dict[int | None, list[int]] = defaultdict(list)
    rows = Registration.objects.filter(activity=activity, erased_at__isnull=True).values_list(
        "pk", "minutes_attended"
    )
    for pk, current in rows:
        minutes = totals.get(pk)
        if current != minutes:
            changed[minutes].append(pk)
    for minutes, pks in changed.items():
        for start in range(0, len(pks), 900):
            Registration.objects.filter(pk__in=pks[start : start + 900]).update(
                minutes_attended=minutes
            )
    return len(totals)
