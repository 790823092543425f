"""Offers that expire: a freed place offered to the first person waiting, for a while.

The model, once:

- An activity whose registration settings give ``offer_hours`` does not hand a freed
  place straight to the first person waiting: it offers it to them (an ``Offer``) until
  a deadline, by an email whose link opens a page with *Accept* and *Decline* (buttons,
  not links that act: mail scanners open every link of an email). While the offer is
  pending the place is held for them: it counts against the activity's places.
- The deadline (``offer_deadline``): ``offer_hours`` from now, but never later than
  halfway to the start of the next session — an offer made 10 hours before the start
  lasts at most 5 hours, so that the place can still pass on. When less than an hour
  would be left to answer (the next session starts within two hours), the place is
  given at once, as without offers.
- Accepting in time confirms the registration (and assigns its way in). Declining
  cancels it. An offer not answered in time expires: the person goes to the back of the
  waiting list (told so by email) and the place is offered to the next person.
- Expiry is done by a task queued for each offer's deadline, by ``amity manage
  expire_offers`` (a safety net for cron), and lazily whenever an offer or the
  organiser's pages are looked at. All of them call ``offers_expire_due``, which works
  under the activity's registration lock and re-reads the offers there: each offer
  expires once and each freed place is offered to one person, whoever runs first.

Call the ``offers_*`` functions that take a ``settings_row`` with that lock held (they
are parts of the services' transactions); the others take it themselves.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.core.background import enqueue_task
from amity.events.models import Activity, Session, SessionStatus
from amity.registrations import rooms
from amity.registrations.models import (
    MessageKind,
    Offer,
    OfferStatus,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)

# Less time than this to answer is no real offer: the place is given at once.
MINIMUM_WINDOW = timedelta(hours=1)


class OfferClosed(Exception):
    """The offer can no longer be answered (the message says why)."""


def offer_deadline(*, activity: Activity, hours: int, now: datetime) -> datetime | None:
    """Until when a place offered ``now`` is held: ``hours`` later, but no later than
    halfway to the next session's start; None when that leaves under an hour (give the
    place at once)."""
    window = timedelta(hours=hours)
    starts = (
        Session.objects.filter(activity=activity, starts_at__gt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if starts is not None:
        window = min(window, (starts - now) / 2)
    if window < MINIMUM_WINDOW:
        return None
    return now + window


def places_taken(activity: Activity) -> int:
    """Confirmed people and places held by pending offers."""
    confirmed = Registration.objects.filter(
        activity=activity, status=RegistrationStatus.CONFIRMED
    ).count()
    held = Offer.objects.filter(activity=activity, status=OfferStatus.PENDING).count()
    return confirmed + held


def next_in_line(activity: Activity) -> Registration | None:
    """The first person waiting who has not been offered a place since they (re)joined
    the waiting list."""
    offered = Offer.objects.filter(
        registration=OuterRef("pk"), offered_at__gte=OuterRef("queued_at")
    ).exclude(status=OfferStatus.WITHDRAWN)
    return (
        Registration.objects.filter(activity=activity)
        .waiting()
        .exclude(Exists(offered))
        .select_related("activity")
        .first()
    )


def _notify(registration_id: int, kind: str, key: str) -> None:
    enqueue_task("registrations.notify", registration_id=registration_id, kind=kind, key=key)


def offers_fill(*, activity: Activity, settings_row: RegistrationSettings) -> int | None:
    """Offer each free place to the next person in line. Returns how many were offered,
    or None when places are to be given at once instead (no ``offer_hours``, or the next
    session too close). Call with the lock held."""
    if not settings_row.offer_hours:
        return None
    made = 0
    while settings_row.capacity is None or places_taken(activity) < settings_row.capacity:
        now = timezone.now()
        expires_at = offer_deadline(activity=activity, hours=settings_row.offer_hours, now=now)
        if expires_at is None:
            return None if made == 0 else made
        registration = next_in_line(activity)
        if registration is None:
            break
        offer = Offer.objects.create(
            activity=activity, registration=registration, offered_at=now, expires_at=expires_at
        )
        _notify(registration.pk, MessageKind.OFFER, str(offer.pk))
        enqueue_task("registrations.expire_offers", run_after=expires_at, activity_id=activity.pk)
        made += 1
    return made


def _expire(activity: Activity, settings_row: RegistrationSettings, now: datetime) -> int:
    """Expire this activity's offers past their deadline and offer the places again.
    Lock held."""
    due = list(
        Offer.objects.filter(activity=activity, status=OfferStatus.PENDING, expires_at__lte=now)
    )
    for offer in due:
        offer.status = OfferStatus.EXPIRED
        offer.answered_at = now
        offer.save(update_fields=["status", "answered_at"])
        # To the back of the waiting list: offered again only after everyone behind.
        Registration.objects.filter(pk=offer.registration_id).update(queued_at=now)
        _notify(offer.registration_id, MessageKind.OFFER_EXPIRED, str(offer.pk))
    if due:
        _refill(activity, settings_row)
    return len(due)


def _refill(activity: Activity, settings_row: RegistrationSettings) -> None:
    """Offer the free places, or give them at once when offers are no longer possible."""
    if offers_fill(activity=activity, settings_row=settings_row) is None:
        promote_at_once(activity=activity, settings_row=settings_row)


def promote_at_once(*, activity: Activity, settings_row: RegistrationSettings) -> list[int]:
    """Give free places to the people waiting longest, at once (no offer). Returns the
    ids promoted; each is emailed. Lock held."""
    promoted = []
    while settings_row.capacity is None or places_taken(activity) < settings_row.capacity:
        nxt = Registration.objects.filter(activity=activity).waiting().first()
        if nxt is None:
            break
        Offer.objects.filter(registration=nxt, status=OfferStatus.PENDING).update(
            status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
        )
        nxt.status = RegistrationStatus.CONFIRMED
        nxt.promoted_at = timezone.now()
        nxt.save(update_fields=["status", "promoted_at"])
        _notify(nxt.pk, MessageKind.PROMOTION, nxt.promoted_at.isoformat())
        promoted.append(nxt.pk)
    if promoted and settings_row.has_ways_in:
        rooms.rooms_rebalance(activity=activity, quiet=promoted)
    return promoted


def offers_withdraw(*, activity: Activity) -> int:
    """Withdraw every pending offer (the organiser turned offers off). Lock held."""
    return Offer.objects.filter(activity=activity, status=OfferStatus.PENDING).update(
        status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
    )


def offers_release(*, registration: Registration) -> int:
    """The person holding a pending offer cancelled: the place is free again. Lock held."""
    return Offer.objects.filter(registration=registration, status=OfferStatus.PENDING).update(
        status=OfferStatus.DECLINED, answered_at=timezone.now()
    )


def offers_expire_due(*, activity_id: int | None = None, now: datetime | None = None) -> int:
    """Expire every offer past its deadline (of one activity, or all) and pass each place
    on. Safe to run at any time, by any number of workers at once: each offer expires
    once. Returns how many expired."""
    now = now or timezone.now()
    due = Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
    if activity_id is not None:
        due = due.filter(activity_id=activity_id)
    expired = 0
    for pk in set(due.values_list("activity_id", flat=True)):
        with transaction.atomic():
            settings_row = rooms.registration_lock(Activity(pk=pk))
            expired += _expire(settings_row.activity, settings_row, now)
    return expired


def offers_expire_lazily(activity: Activity) -> int:
    """As ``offers_expire_due`` for one activity, reading first without the lock (most
    of the time nothing is due)."""
    now = timezone.now()
    if not Offer.objects.filter(
        activity=activity, status=OfferStatus.PENDING, expires_at__lte=now
    ).exists():
        return 0
    return offers_expire_due(activity_id=activity.pk, now=now)


@dataclass(frozen=True)
class OfferAnswer:
    offer: Offer
    registration: Registration


def offer_for_token(token: str) -> Offer | None:
    """The offer a link names (expired ones are expired first), or None."""
    offer = Offer.objects.filter(token=token).select_related("activity").first()
    if offer is None:
        return None
    if offer.status == OfferStatus.PENDING and offer.expires_at <= timezone.now():
        offers_expire_lazily(offer.activity)
        offer.refresh_from_db()
    return offer


def _answerable(offer: Offer, now: datetime) -> None:
    if offer.status == OfferStatus.ACCEPTED:
        raise OfferClosed(_("You have already accepted this place."))
    if offer.status == OfferStatus.DECLINED:
        raise OfferClosed(_("You declined this place."))
    if offer.status == OfferStatus.WITHDRAWN:
        raise OfferClosed(_("This offer was withdrawn by the organisers."))
    if offer.status == OfferStatus.EXPIRED or offer.expires_at <= now:
        raise OfferClosed(
            _("This offer has expired and the place has gone to the next person waiting.")
        )


def _record_answer(offer: Offer, status: str) -> tuple[Offer, RegistrationSettings, datetime]:
    """Within the caller's transaction: lock the activity's registrations, let a due offer
    expire first, refuse an answer that comes too late or twice (``OfferClosed``), and
    record this one. Returns the offer as now stored, the locked settings row and now."""
    settings_row = rooms.registration_lock(offer.activity)
    now = timezone.now()
    offer = Offer.objects.select_related("registration__activity").get(pk=offer.pk)
    if offer.status == OfferStatus.PENDING and offer.expires_at <= now:
        _expire(offer.activity, settings_row, now)
        offer.refresh_from_db()
    _answerable(offer, now)
    offer.status = status
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at"])
    return offer, settings_row, now


def offer_accept(*, offer: Offer) -> OfferAnswer:
    """Accept an offered place in time: the registration is confirmed (with its way in)
    and the confirmation emailed. ``OfferClosed`` when it is too late or answered."""
    activity = offer.activity
    with transaction.atomic():
        offer, settings_row, now = _record_answer(offer, OfferStatus.ACCEPTED)
        registration = offer.registration
        rebalance = rooms.way_in_for_new(registration=registration, settings_row=settings_row)
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "way_in", "way_in_changed_at"])
        if rebalance:
            rooms.rooms_rebalance(activity=activity, quiet=[registration.pk])
        _notify(registration.pk, MessageKind.PROMOTION, f"offer-{offer.pk}")
    return OfferAnswer(offer, registration)


def offer_decline(*, offer: Offer) -> OfferAnswer:
    """Decline an offered place: the registration is cancelled and the place offered to
    the next person. ``OfferClosed`` when it is too late or answered."""
    activity = offer.activity
    with transaction.atomic():
        offer, settings_row, now = _record_answer(offer, OfferStatus.DECLINED)
        registration = offer.registration
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        _notify(registration.pk, MessageKind.CANCELLATION, now.isoformat())
        _refill(activity, settings_row)
    return OfferAnswer(offer, registration)


def offers_pending(activity: Activity) -> list[Offer]:
    """The activity's pending offers, soonest deadline first, with their registrants."""
    return list(
        Offer.objects.filter(activity=activity, status=OfferStatus.PENDING)
        .select_related("registration")
        .order_by("expires_at", "pk")
    )
