"""Writes for activities, sessions and series. Pages, the API, the demo and scripts call
these; each runs in one transaction and validates before it writes.

Every change a calendar client must notice raises the SEQUENCE of what changed
(RFC 5545 3.8.7.4): the activity's for its own fields, a session's when it is moved or
cancelled, a series' when its rule changes.
"""

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from amity.accounts.models import User
from amity.core import storage, uploads
from amity.core.services import save_validated
from amity.directory.models import Department, Institution, Language, Person
from amity.events import feeds, timing
from amity.events.models import (
    Activity,
    Attendance,
    CalendarToken,
    Material,
    Participation,
    Series,
    Session,
    SessionSpeaker,
    SessionStatus,
)
from amity.events.signals import SessionChange, sessions_changed


def _bump(model: type[Activity] | type[Session], pk: int) -> None:
    model.objects.filter(pk=pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())
    feeds.feeds_changed()  # an update sends no post_save: the feeds' version moves here


def _announce(change: SessionChange, sessions: list[Session]) -> None:
    """Tell the apps above events (registrants' reminders) about ``sessions`` inside the
    change's transaction, so that what they queue exists exactly when the change does.
    Every service that adds, moves, cancels or restores sessions calls this, bulk creation
    included."""
    if sessions:
        sessions_changed.send(sender=Session, change=change, sessions=sessions)


# What an activity names by slug, id or code; activity_references_resolve resolves them.
ACTIVITY_REFERENCES = ("department", "partners", "languages")


def _as_id(value: int | str) -> int | None:
    """``value`` as a primary key, or None when no row could have it (not a whole number,
    or beyond the database's 64-bit range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def activity_references_resolve(
    *,
    department: str | None = None,
    partners: Iterable[int | str] = (),
    languages: Iterable[str] = (),
) -> dict[str, Any]:
    """The department (by slug), partner institutions (by id, a number or its digits) and
    languages (by code) an activity names, as objects for :func:`activity_create` and
    :func:`activity_update`. The activity page and the API both call this. Raises
    ValidationError, keyed by field, naming each one that does not exist: nothing unknown
    is dropped silently."""
    errors: dict[str, list[str]] = {}
    found_department = None
    if department:
        found_department = Department.objects.filter(slug=department).first()
        if found_department is None:
            errors["department"] = [_("There is no department “%(slug)s”.") % {"slug": department}]
    partner_ids = {str(value): _as_id(value) for value in partners}
    found_partners = list(
        Institution.objects.partners().filter(pk__in=[pk for pk in partner_ids.values() if pk])
    )
    found_ids = {p.pk for p in found_partners}
    if missing := [given for given, pk in partner_ids.items() if pk not in found_ids]:
        errors["partners"] = [
            _("Not a partner institution: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
        ]
    codes = list(dict.fromkeys(languages))
    found_languages = list(Language.objects.filter(code__in=codes))
    if missing := [code for code in codes if code not in {lang.code for lang in found_languages}]:
        errors["languages"] = [
            _("Unknown language code: %(codes)s.") % {"codes": ", ".join(missing)}
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "department": found_department,
        "partners": found_partners,
        "languages": found_languages,
    }


@transaction.atomic
def activity_create(
    *,
    fields: Mapping[str, Any],
    partners: Iterable[Institution] = (),
    languages: Iterable[Language] = (),
) -> Activity:
    activity = save_validated(Activity(), fields)
    activity.partners.set(partners)
    activity.languages.set(languages)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    fields: Mapping[str, Any],
    partners: Iterable[Institution] | None = None,
    languages: Iterable[Language] | None = None,
) -> Activity:
    """Change an activity; its SEQUENCE goes up so calendars take the change."""
    save_validated(activity, fields)
    if partners is not None:
        activity.partners.set(partners)
    if languages is not None:
        activity.languages.set(languages)
    _bump(Activity, activity.pk)
    activity.refresh_from_db(fields=["sequence"])
    return activity


@transaction.atomic
def participant_add(*, activity: Activity, person: Person, role: str) -> Participation:
    participation, _created = Participation.objects.update_or_create(
        activity=activity, person=person, defaults={"role": role}
    )
    return participation


@transaction.atomic
def session_create(
    *,
    activity: Activity,
    starts_at: datetime,
    duration_minutes: int,
    time_zone: str,
    title: str = "",
    notes: str = "",
) -> Session:
    """A single session at an instant (aware). Use ``timing.resolve_local`` first to turn
    a wall-clock time typed by a person into that instant."""
    if starts_at.tzinfo is None:
        raise ValueError("session_create takes an aware datetime")
    session = save_validated(
        Session(activity=activity),
        {
            "title": title,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=duration_minutes),
            "time_zone": time_zone,
            "notes": notes,
        },
    )
    _announce(SessionChange.ADDED, [session])
    return session


@transaction.atomic
def sessions_create_at(
    *,
    activity: Activity,
    starts: Iterable[datetime],
    duration_minutes: int,
    time_zone: str,
    title: str = "",
) -> list[Session]:
    """One session at each of ``starts`` (aware instants), e.g. a planned series whose
    instants follow no single RRULE."""
    length = timedelta(minutes=duration_minutes)
    sessions = [
        Session(
            activity=activity,
            title=title,
            starts_at=start,
            ends_at=start + length,
            time_zone=time_zone,
        )
        for start in starts
    ]
    for session in sessions:
        session.full_clean(exclude=["activity"])
    created = Session.objects.bulk_create(sessions)
    _announce(SessionChange.ADDED, created)
    return created


def series_occurrences(
    *, start_date: date, start_time: time, time_zone: str, rrule: str, fold: int | None = None
) -> list[timing.Occurrence]:
    """The sessions a series would have: the one check that the page, the API and scripts
    share before a series is made.

    Raises ``timing.LocalTimeError`` when the first start is in a DST gap, or in a DST fold
    and ``fold`` does not say which of its two instants is meant. Raises ValidationError,
    with the message a person reads, when the rule has no end, too many occurrences, or
    does not meet on the first date. That last one is refused rather than moved to the
    next day that fits: the first date is what the person typed, and RFC 5545 counts
    DTSTART as an occurrence whatever the rule says, so calendars would show a session on
    that date that Amity does not hold."""
    wall = datetime.combine(start_date, start_time)
    timing.resolve_local(wall, time_zone, fold=fold)
    upper = rrule.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise ValidationError(
            _("Give either the number of sessions or the last date, not both."),
            code="series_end",
        )
    try:
        occurrences = timing.expand(
            dtstart=wall,
            zone=time_zone,
            rrule=timing.normalize_rrule(rrule, time_zone),
            fold=fold,
        )
    except timing.TooManyOccurrences as error:
        raise ValidationError(
            _("This series has too many sessions (at most %(limit)s).")
            % {"limit": timing.MAX_OCCURRENCES},
            code="series_too_long",
        ) from error
    except ValueError as error:
        raise ValidationError(
            _("This recurrence rule cannot be read: %(rule)s") % {"rule": rrule}, code="rrule"
        ) from error
    if not occurrences or occurrences[0].local.replace(tzinfo=None) != wall:
        raise ValidationError(
            _first_date_off_rule(start_date, rrule, occurrences[0] if occurrences else None),
            code="series_start_day",
        )
    return occurrences


_RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _first_date_off_rule(start_date: date, rrule: str, first: timing.Occurrence | None) -> str:
    """Why a series cannot start on ``start_date``, naming its days and the first date
    that fits."""
    day = formats.date_format(start_date, "DATE_FORMAT")
    if first is None:
        return _("This series has no session on or after its first date, %(date)s.") % {"date": day}
    first_day = _("%(weekday)s, %(date)s") % {
        "weekday": WEEKDAYS[first.local.weekday()],
        "date": formats.date_format(first.local.date(), "DATE_FORMAT"),
    }
    rule = rrule.upper().removeprefix("RRULE:")
    parts = dict(part.partition("=")[::2] for part in rule.split(";"))
    codes = parts.get("BYDAY", "").split(",")
    if parts.get("FREQ") == "WEEKLY" and all(code in _RRULE_DAYS for code in codes):
        names = [str(WEEKDAYS[i]) for i, code in enumerate(_RRULE_DAYS) if code in codes]
        days = names[0]
        if len(names) > 1:
            days = _("%(days)s and %(last)s") % {
                "days": pgettext("between the items of a list", ", ").join(names[:-1]),
                "last": names[-1],
            }
        return _(
            "%(date)s is a %(weekday)s, but this series meets on %(days)s. Start it on one "
            "of those days: the first is %(first)s."
        ) % {
            "date": day,
            "weekday": WEEKDAYS[start_date.weekday()],
            "days": days,
            "first": first_day,
        }
    return _(
        "This series does not meet on its first date, %(date)s: its first session would "
        "be on %(first)s. Start it on that date."
    ) % {"date": day, "first": first_day}


@transaction.atomic
def series_create(
    *,
    activity: Activity,
    start_date: date,
    start_time: time,
    time_zone: str,
    rrule: str,
    duration_minutes: int,
    title: str = "",
    fold: int | None = None,
) -> Series:
    """A recurring series and one session per occurrence, checked by
    ``series_occurrences`` (which says what it raises). Occurrences keep the wall-clock
    time in ``time_zone``; the first is the instant ``fold`` chose when its time happens
    twice."""
    occurrences = series_occurrences(
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        rrule=rrule,
        fold=fold,
    )
    rrule = timing.normalize_rrule(rrule, time_zone)
    series = save_validated(
        Series(activity=activity),
        {
            "title": title,
            "start_date": start_date,
            "start_time": start_time,
            "time_zone": time_zone,
            "rrule": rrule,
            "duration_minutes": duration_minutes,
        },
    )
    length = timedelta(minutes=duration_minutes)
    sessions = [
        Session(
            activity=activity,
            series=series,
            recurrence_id=occurrence.starts_at,
            title=title,
            starts_at=occurrence.starts_at,
            ends_at=occurrence.starts_at + length,
            time_zone=time_zone,
        )
        for occurrence in occurrences
    ]
    _announce(SessionChange.ADDED, Session.objects.bulk_create(sessions))
    return series


@transaction.atomic
def session_move(
    *, session: Session, starts_at: datetime, duration_minutes: int | None = None
) -> Session:
    """Move one session (or one occurrence of a series) to another instant. The rest of
    the series stays where it is."""
    length = timedelta(minutes=duration_minutes or session.duration_minutes)
    save_validated(session, {"starts_at": starts_at, "ends_at": starts_at + length})
    _bump(Session, session.pk)
    session.refresh_from_db(fields=["sequence"])
    _announce(SessionChange.MOVED, [session])
    return session


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    """Cancel one session; calendars show it as cancelled rather than losing it."""
    if session.status != SessionStatus.CANCELLED:
        save_validated(session, {"status": SessionStatus.CANCELLED})
        _bump(Session, session.pk)
        session.refresh_from_db(fields=["sequence"])
        _announce(SessionChange.CANCELLED, [session])
    return session


@transaction.atomic
def session_restore(*, session: Session) -> Session:
    if session.status == SessionStatus.CANCELLED:
        save_validated(session, {"status": SessionStatus.SCHEDULED})
        _bump(Session, session.pk)
        session.refresh_from_db(fields=["sequence"])
        _announce(SessionChange.RESTORED, [session])
    return session


@transaction.atomic
def session_update(*, session: Session, fields: Mapping[str, Any]) -> Session:
    save_validated(session, fields)
    _bump(Session, session.pk)
    session.refresh_from_db(fields=["sequence"])
    return session


@transaction.atomic
def speaker_add(
    *, session: Session, person: Person, role: str, talk_title: str = ""
) -> SessionSpeaker:
    speaker, _created = SessionSpeaker.objects.update_or_create(
        session=session, person=person, role=role, defaults={"talk_title": talk_title}
    )
    return speaker


@transaction.atomic
def session_details_update(
    *, session: Session, fields: Mapping[str, Any], speakers: Iterable[Mapping[str, Any]]
) -> Session:
    """Title, notes and recording of a session, and its speakers: afterwards the session
    has exactly ``speakers`` (dicts of person, role, talk_title)."""
    session = session_update(session=session, fields=fields)
    session.speakers.all().delete()
    for data in speakers:
        save_validated(SessionSpeaker(session=session), data)
    return session


@storage.atomic()
def material_add(
    *,
    activity: Activity,
    title: str,
    url: str = "",
    file: File | None = None,
    session: Session | None = None,
) -> Material:
    """A link or an uploaded file for an activity (or one of its sessions). A file is kept
    only when its content is a type Amity accepts and matches its name (the check shared
    documents use, ``core.uploads.check_upload``); otherwise ValidationError on "file" and
    nothing is written. Files are kept in the storage every server shares
    (``core.storage``), never served by the web server, only through a permission check;
    a file written for a material that then fails to save is deleted again."""
    if file:
        try:
            file.name = uploads.check_upload(file).name
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from error
    material = Material(activity=activity, session=session, title=title, url=url)
    material.file = file or ""
    material.full_clean()
    if file:
        storage.save_field(material.file, file.name, file)
    material.save()
    return material


@transaction.atomic
def material_remove(*, material: Material) -> None:
    """Remove a material; its file leaves the shared storage once the removal commits."""
    name = material.file.name if material.file else ""
    material.delete()
    storage.delete_on_commit(name)


@transaction.atomic
def participant_remove(*, activity: Activity, person: Person) -> int:
    deleted, _ = Participation.objects.filter(activity=activity, person=person).delete()
    return deleted


@transaction.atomic
def attendance_record(*, session: Session, people: Iterable[Person], present: set[int]) -> int:
    """Record who of ``people`` attended ``session`` (ids in ``present``). Running it
    again with the same input changes nothing. Returns how many were present."""
    for person in people:
        Attendance.objects.update_or_create(
            session=session, person=person, defaults={"present": person.pk in present}
        )
    return Attendance.objects.filter(session=session, present=True).count()


@transaction.atomic
def calendar_token_renew(*, user: User) -> CalendarToken:
    """Revoke the user's personal-feed link, if any, and make a new one."""
    CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return CalendarToken.objects.create(user=user, key=secrets.token_urlsafe(32))


@transaction.atomic
def calendar_token_revoke(*, user: User) -> int:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
