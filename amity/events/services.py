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

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from amity.core.services import save_validated
from amity.directory.models import Institution, Language, Person
from amity.events import timing
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


def _bump(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())


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
    return save_validated(
        Session(activity=activity),
        {
            "title": title,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=duration_minutes),
            "time_zone": time_zone,
            "notes": notes,
        },
    )


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
    return Session.objects.bulk_create(sessions)


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
    """A recurring series and one session per occurrence.

    The first start must name exactly one instant (``timing.resolve_local`` raises for a
    DST gap or fold). Occurrences keep the wall-clock time in ``time_zone``."""
    timing.resolve_local(datetime.combine(start_date, start_time), time_zone, fold=fold)
    rrule = timing.normalize_rrule(rrule, time_zone)
    occurrences = timing.expand(
        dtstart=datetime.combine(start_date, start_time), zone=time_zone, rrule=rrule
    )
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
    Session.objects.bulk_create(sessions)
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
    return session


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    """Cancel one session; calendars show it as cancelled rather than losing it."""
    if session.status != SessionStatus.CANCELLED:
        save_validated(session, {"status": SessionStatus.CANCELLED})
        _bump(Session, session.pk)
        session.refresh_from_db(fields=["sequence"])
    return session


@transaction.atomic
def session_restore(*, session: Session) -> Session:
    if session.status == SessionStatus.CANCELLED:
        save_validated(session, {"status": SessionStatus.SCHEDULED})
        _bump(Session, session.pk)
        session.refresh_from_db(fields=["sequence"])
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


@transaction.atomic
def material_add(
    *, activity: Activity, title: str, url: str = "", file=None, session: Session | None = None
) -> Material:
    """A link or an uploaded file for an activity (or one of its sessions). Files are kept
    under MEDIA_ROOT, outside the web root, and served only through a permission check."""
    return save_validated(
        Material(activity=activity, session=session),
        {"title": title, "url": url, "file": file or ""},
    )


@transaction.atomic
def material_remove(*, material: Material) -> None:
    stored = material.file
    material.delete()
    if stored:
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


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
def calendar_token_renew(*, user) -> CalendarToken:
    """Revoke the user's personal-feed link, if any, and make a new one."""
    CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return CalendarToken.objects.create(user=user, key=secrets.token_urlsafe(32))


@transaction.atomic
def calendar_token_revoke(*, user) -> int:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
