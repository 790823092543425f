"""Rooms and overflow: who takes part in the meeting room and who by a livestream.

The model, once:

- An activity may have ways in (``WayIn``): at most one meeting room (a platform, a join
  link, a limit of people) and any number of livestreams (a platform and a URL). They are
  kept per activity, not per session: a registration holds a place for the whole
  activity, and the people in the room for the first session are the ones for the next.
- Every confirmed registrant is assigned one way in (``Registration.way_in``): the room
  while it has places, otherwise the first livestream (the others are shown beside it).
  Without a livestream everyone is assigned the room (there is nowhere else to send them).
- Who gets the room first is the room's ``priority``: *standard* ranks speakers and
  partner contacts first, then people of the invited institutions, then everyone else;
  *first come* ranks everyone alike. Within a rank, whoever registered first comes first.
  The room holds the best-ranked ``capacity`` people; the ranking is a total order, so
  the assignment is the same whichever path computes it.
- Every change (a room limit raised or lowered, a way in added or removed, a place freed)
  recomputes the assignment under the activity's registration lock (the same lock as the
  waiting list, taken by the caller), writes only the rows that change, and queues one
  email (``way_in``) for each confirmed person whose way in changed — once per change: the
  email's key is the new way in and the moment of the change.

``plan`` is the pure part (frozen rows in, the assignment out); the rest reads and writes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from amity.accounts.models import Role, User
from amity.core.background import enqueue_task
from amity.core.services import save_validated
from amity.directory.models import Person
from amity.events.models import Activity, SessionSpeaker
from amity.registrations.models import (
    MessageKind,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    RoomPriority,
    WayIn,
    WayInKind,
)

# Ranks under the standard priority: lower comes first.
SPEAKER_OR_PARTNER, INVITED, EVERYONE = 0, 1, 2
_CHUNK = 500


@dataclass(frozen=True)
class Seat:
    """One confirmed registrant as the assignment sees them."""

    registration_id: int
    rank: int
    queued_at: datetime
    way_in_id: int | None


@dataclass(frozen=True)
class Ways:
    """An activity's ways in: its room (or None) and its livestreams in order."""

    room: WayIn | None
    streams: tuple[WayIn, ...]

    @property
    def any(self) -> bool:
        return self.room is not None or bool(self.streams)

    @property
    def overflow(self) -> WayIn | None:
        """Where people go once the room is full (None: nowhere, they stay in the room)."""
        return self.streams[0] if self.streams else None

    @property
    def limited(self) -> bool:
        return self.room is not None and self.room.capacity is not None and bool(self.streams)


def ways_of(activity: Activity) -> Ways:
    ways = list(WayIn.objects.filter(activity=activity).order_by("position", "pk"))
    room = next((w for w in ways if w.kind == WayInKind.ROOM), None)
    return Ways(room, tuple(w for w in ways if w.kind == WayInKind.STREAM))


def plan(seats: Iterable[Seat], ways: Ways) -> dict[int, int | None]:
    """The way in of each seat's registrant: the best-ranked ``room.capacity`` get the
    room, the others the first livestream; everyone the room when it has no limit or
    there is no livestream; None for all when the activity has no ways in."""
    seats = list(seats)
    if not ways.any:
        return {s.registration_id: None for s in seats}
    if ways.room is None:
        return {s.registration_id: ways.overflow.pk for s in seats}
    if not ways.limited:
        return {s.registration_id: ways.room.pk for s in seats}
    ordered = sorted(seats, key=lambda s: (s.rank, s.queued_at, s.registration_id))
    capacity = ways.room.capacity
    return {
        s.registration_id: ways.room.pk if i < capacity else ways.overflow.pk
        for i, s in enumerate(ordered)
    }


class Ranker:
    """Ranks registrants by the room's priority: the addresses of the activity's speakers
    and of partner contacts, and the invited institutions, read once."""

    def __init__(self, activity: Activity, room: WayIn | None):
        self.standard = room is not None and room.priority == RoomPriority.STANDARD
        self.invited = room.invited if room is not None else set()
        self.first: set[str] = set()
        if self.standard:
            speakers = SessionSpeaker.objects.filter(session__activity=activity).exclude(
                person__email=""
            )
            self.first |= {e.lower() for e in speakers.values_list("person__email", flat=True)}
            partners = User.objects.filter(role=Role.PARTNER_CONTACT, is_active=True)
            self.first |= {
                e.lower() for e in partners.exclude(email="").values_list("email", flat=True)
            }
            people = Person.objects.filter(user__in=partners).exclude(email="")
            self.first |= {e.lower() for e in people.values_list("email", flat=True)}

    def rank(self, email: str, institution: str) -> int:
        if not self.standard:
            return EVERYONE
        if email.lower() in self.first:
            return SPEAKER_OR_PARTNER
        if institution.strip().casefold() in self.invited:
            return INVITED
        return EVERYONE


def _notify_way_in(registration_id: int, way_in_id: int | None, now: datetime) -> None:
    enqueue_task(
        "registrations.notify",
        registration_id=registration_id,
        kind=MessageKind.WAY_IN,
        key=f"{way_in_id}:{now.strftime('%Y%m%d%H%M%S%f')}",
    )


def rooms_rebalance(
    *, activity: Activity, quiet: Iterable[int] = (), ways: Ways | None = None
) -> int:
    """Assign every confirmed registrant of ``activity`` their way in (``plan``) and
    clear it for the others; queue a ``way_in`` email for each confirmed person whose way
    in changed from one to another, except those in ``quiet`` (just confirmed: their
    confirmation carries the link). Call inside the transaction, with the activity's
    registration lock held. Returns how many confirmed people changed way in."""
    ways = ways if ways is not None else ways_of(activity)
    quiet = set(quiet)
    ranker = Ranker(activity, ways.room)
    rows = Registration.objects.filter(activity=activity, status=RegistrationStatus.CONFIRMED)
    seats = [
        Seat(pk, ranker.rank(email, institution), queued_at, way_in_id)
        for pk, email, institution, queued_at, way_in_id in rows.values_list(
            "pk", "email", "institution", "queued_at", "way_in_id"
        )
    ]
    wanted = plan(seats, ways)
    now = timezone.now()
    moves: dict[int | None, list[int]] = {}
    notify: list[tuple[int, int | None]] = []
    for seat in seats:
        target = wanted[seat.registration_id]
        if target == seat.way_in_id:
            continue
        moves.setdefault(target, []).append(seat.registration_id)
        if seat.way_in_id is not None and seat.registration_id not in quiet:
            notify.append((seat.registration_id, target))
    for target, ids in moves.items():
        for start in range(0, len(ids), _CHUNK):
            Registration.objects.filter(pk__in=ids[start : start + _CHUNK]).update(
                way_in_id=target, way_in_changed_at=now
            )
    # Those no longer confirmed keep no way in (a later confirmation assigns one afresh).
    Registration.objects.filter(activity=activity, way_in__isnull=False).exclude(
        status=RegistrationStatus.CONFIRMED
    ).update(way_in=None)
    for registration_id, target in notify:
        _notify_way_in(registration_id, target, now)
    return len(notify)


def way_in_for_new(*, registration: Registration, settings_row: RegistrationSettings) -> bool:
    """Set the way in of a registration about to be confirmed (not yet saved). Returns
    True when the room must be recomputed after saving it (someone of a better rank came
    to a full room: the last one in it moves to the livestream). Call with the lock held;
    costs nothing when the activity has no ways in."""
    if not settings_row.has_ways_in:
        registration.way_in = None
        return False
    ways = ways_of(registration.activity)
    registration.way_in_changed_at = timezone.now()
    if not ways.limited:
        registration.way_in = ways.room or ways.overflow
        return False
    in_room = Registration.objects.filter(
        activity=registration.activity,
        status=RegistrationStatus.CONFIRMED,
        way_in=ways.room,
    ).count()
    if in_room < ways.room.capacity:
        registration.way_in = ways.room
        return False
    registration.way_in = ways.overflow
    # Everyone in the full room came earlier: only a better rank can take a place there.
    ranker = Ranker(registration.activity, ways.room)
    return ranker.rank(registration.email, registration.institution) < EVERYONE


def registration_lock(activity: Activity) -> RegistrationSettings:
    """Take the activity's registration lock (inside a transaction) and return its
    settings row: the same lock the waiting list takes."""
    return RegistrationSettings.objects.select_for_update().get(activity=activity)


def _mark(activity: Activity, settings_row: RegistrationSettings) -> None:
    has = WayIn.objects.filter(activity=activity).exists()
    if settings_row.has_ways_in != has:
        settings_row.has_ways_in = has
        settings_row.save(update_fields=["has_ways_in"])


def way_in_save(*, way_in: WayIn, fields: Mapping[str, Any]) -> tuple[WayIn, int]:
    """Add or change a way in of an activity that takes registrations, then move people
    between room and livestream as the new limit and priority say (lock → recount →
    write). Returns the way in and how many people changed way in (each emailed once).
    ``ValidationError`` for bad fields, nothing saved."""
    activity = way_in.activity
    with transaction.atomic():
        settings_row = registration_lock(activity)
        fields = dict(fields)
        if fields.get("kind", way_in.kind) == WayInKind.STREAM:
            fields["capacity"] = None
        save_validated(way_in, fields)
        _mark(activity, settings_row)
        moved = rooms_rebalance(activity=activity)
    return way_in, moved


def way_in_delete(*, activity: Activity, pk: int) -> int:
    """Remove a way in; its people are assigned again (and told). Returns how many
    changed way in; ``WayIn.DoesNotExist`` when the activity has no such way in."""
    with transaction.atomic():
        settings_row = registration_lock(activity)
        WayIn.objects.get(activity=activity, pk=pk).delete()
        _mark(activity, settings_row)
        return rooms_rebalance(activity=activity)


def room_limit_set(*, activity: Activity, capacity: int | None) -> int:
    """Change the room's limit: people move between the room and the livestream, each
    of them emailed once. Returns how many moved."""
    room = WayIn.objects.get(activity=activity, kind=WayInKind.ROOM)
    return way_in_save(way_in=room, fields={"capacity": capacity})[1]


@dataclass(frozen=True)
class WayInCount:
    way_in: WayIn
    people: int


def ways_in_counts(activity: Activity) -> list[WayInCount]:
    """Each way in of the activity with how many confirmed people are assigned to it."""
    counts = dict(
        Registration.objects.filter(
            activity=activity, status=RegistrationStatus.CONFIRMED, way_in__isnull=False
        )
        .values_list("way_in")
        .annotate(n=Count("pk"))
        .values_list("way_in", "n")
    )
    ways = ways_of(activity)
    listed = ([ways.room] if ways.room else []) + list(ways.streams)
    return [WayInCount(w, counts.get(w.pk, 0)) for w in listed]


def join_of(registration: Registration) -> tuple[WayIn | None, list[WayIn]]:
    """The registrant's way in and the other livestreams they may also use (shown beside
    the first one for people on the stream)."""
    way = registration.way_in if registration.status == RegistrationStatus.CONFIRMED else None
    if way is None or way.kind != WayInKind.STREAM:
        return way, []
    others = WayIn.objects.filter(activity_id=registration.activity_id, kind=WayInKind.STREAM)
    return way, list(others.exclude(pk=way.pk).order_by("position", "pk"))
