"""The emails a registrant receives, written by background workers in the registrant's
language and time zone. Each (registration, kind, occasion) is queued at most once."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from amity.core.emails import email_queue
from amity.events import feeds
from amity.events.models import Activity, Session, SessionStatus
from amity.registrations.links import self_service_token
from amity.registrations.models import (
    Announcement,
    MessageKind,
    Offer,
    OfferStatus,
    Registration,
    RegistrationEmail,
    RegistrationStatus,
    WayIn,
)
from amity.registrations.selectors import waiting_position

# Kinds that (re)state where the registrant stands; the latest is the one organisers see.
STANDING = {MessageKind.CONFIRMATION, MessageKind.WAITING, MessageKind.PROMOTION}
WITH_CALENDAR = {
    MessageKind.CONFIRMATION,
    MessageKind.PROMOTION,
    MessageKind.REMINDER,
    MessageKind.WAY_IN,
}


@dataclass
class LocalTime:
    session: Session
    text: str


def _zone_or_utc(zone: str) -> tuple[ZoneInfo, str]:
    try:
        return ZoneInfo(zone), zone
    except (ZoneInfoNotFoundError, ValueError):  # a zone removed from the database since
        return ZoneInfo("UTC"), "UTC"


def _span(start: datetime, end: datetime, zone: str, *, year: bool) -> str:
    """“Wednesday 2 December 2026, 20:00–21:30 (Asia/Shanghai, UTC+8)”, or in Chinese
    “2026年12月2日 星期三 20:00–21:30（Asia/Shanghai，UTC+8）”."""
    tz, zone = _zone_or_utc(zone)
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    offset = int(start_local.utcoffset().total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    offset_text = f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")
    span = f"{start_local:%H:%M}–{end_local:%H:%M}"
    if end_local.date() != start_local.date():
        span += f" (+{(end_local.date() - start_local.date()).days})"
    if translation.get_language() == "zh-hans":
        day = formats.date_format(start_local, "Y年n月j日 l" if year else "n月j日 l")
        return f"{day} {span}（{zone}，{offset_text}）"
    day = formats.date_format(start_local, "l j F Y" if year else "l j F")
    return f"{day}, {span} ({zone}, {offset_text})"


def local_moment(instant: datetime, zone: str) -> str:
    """“Friday 16 April 2027, 17:00 (America/Los_Angeles)”, or in Chinese
    “2027年4月16日 星期五 17:00（America/Los_Angeles）”."""
    tz, zone = _zone_or_utc(zone)
    local = instant.astimezone(tz)
    if translation.get_language() == "zh-hans":
        return f"{formats.date_format(local, 'Y年n月j日 l')} {local:%H:%M}（{zone}）"
    return f"{formats.date_format(local, 'l j F Y')}, {local:%H:%M} ({zone})"


def local_time(start: datetime, end: datetime, zone: str, organiser_zone: str = "") -> str:
    """The time in the registrant's ``zone``, in the active language, with the organisers'
    time beside it when their clock reads differently: “Friday 16 April 2027, 17:00–18:30
    (America/Los_Angeles, UTC-7) — organisers' time: Saturday 17 April, 08:00–09:30
    (Asia/Shanghai, UTC+8)”."""
    own = _span(start, end, zone, year=True)
    if not organiser_zone:
        return own
    tz, _name = _zone_or_utc(zone)
    theirs_tz, _name = _zone_or_utc(organiser_zone)
    if start.astimezone(tz).utcoffset() == start.astimezone(theirs_tz).utcoffset():
        return own
    theirs = _span(
        start,
        end,
        organiser_zone,
        year=start.astimezone(tz).year != start.astimezone(theirs_tz).year,
    )
    return _("%(own)s — organisers' time: %(theirs)s") % {"own": own, "theirs": theirs}


def upcoming_sessions(activity: Activity) -> list[Session]:
    return list(
        activity.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at")[:60]
    )


def activity_calendar(activity: Activity) -> bytes:
    """The activity's calendar (all its sessions), shared by every registrant's email."""
    return feeds.cached_calendar(
        f"activity|{activity.pk}|{settings.AMITY_SITE_URL}",
        lambda: feeds.build_calendar(
            name=activity.title,
            sessions=feeds.sessions_for_feed(Activity.objects.filter(pk=activity.pk)),
            base_url=settings.AMITY_SITE_URL,
            description=activity.description,
        ),
    )[0]


def way_in_calendar(activity: Activity, way_in: WayIn | None) -> bytes:
    """The activity's calendar with the join link of ``way_in`` (the registrant's own:
    the room, or their livestream) in place of the activity's; shared by everyone with
    that way in, and cached until the activity or the way in changes."""
    if way_in is None:
        return activity_calendar(activity)
    join = feeds.Join(platform=way_in.platform, url=way_in.url, details=way_in.details)
    return feeds.cached_calendar(
        f"activity|{activity.pk}|way-in|{way_in.pk}|{way_in.updated_at.isoformat()}|"
        f"{settings.AMITY_SITE_URL}",
        lambda: feeds.build_calendar(
            name=activity.title,
            sessions=feeds.sessions_for_feed(Activity.objects.filter(pk=activity.pk)),
            base_url=settings.AMITY_SITE_URL,
            description=activity.description,
            join=join,
        ),
    )[0]


def join_context(registration: Registration) -> dict:
    """The registrant's own way in for an email or page: the room or their livestream
    (with the other livestreams), else the activity's link."""
    way_in = registration.way_in if registration.status == RegistrationStatus.CONFIRMED else None
    if way_in is None:
        return {
            "join_url": registration.activity.video_url,
            "dial_in": registration.activity.dial_in,
            "way_in": None,
            "other_streams": [],
        }
    others = []
    if way_in.kind == "stream":
        others = list(
            WayIn.objects.filter(activity_id=registration.activity_id, kind="stream")
            .exclude(pk=way_in.pk)
            .order_by("position", "pk")
        )
    return {
        "join_url": way_in.url,
        "dial_in": way_in.details if way_in.kind == "room" else "",
        "way_in": way_in,
        "other_streams": others,
    }


def render(
    registration: Registration,
    kind: str,
    *,
    session: Session | None = None,
    announcement: Announcement | None = None,
    key: str = "",
) -> tuple[str, str, list]:
    """Subject, body and attachments of one email, in the registrant's language."""
    activity = registration.activity
    offer = None
    if kind in (MessageKind.OFFER, MessageKind.OFFER_EXPIRED) and key.isdigit():
        offer = Offer.objects.filter(pk=int(key), registration=registration).first()
    with translation.override(registration.language or "en"):
        title = activity.display_title
        sessions = [session] if session else upcoming_sessions(activity)
        times = [
            LocalTime(s, local_time(s.starts_at, s.ends_at, registration.time_zone, s.time_zone))
            for s in sessions
        ]
        position = waiting_position(registration)
        context = {
            "registration": registration,
            "activity": activity,
            "title": title,
            "times": times,
            "name": registration.display_name,
            "manage_url": settings.AMITY_SITE_URL + registration_path(registration),
            "position": position,
            "announcement": announcement,
            "kind": kind,
            **join_context(registration),
        }
        if offer is not None:
            context["offer"] = offer
            context["offer_url"] = settings.AMITY_SITE_URL + offer.get_absolute_url()
            context["answer_by"] = local_moment(offer.expires_at, registration.time_zone)
        subjects = {
            MessageKind.CONFIRMATION: _("You are registered: %(title)s"),
            MessageKind.WAITING: _("You are on the waiting list: %(title)s"),
            MessageKind.PROMOTION: _("A place is yours: %(title)s"),
            MessageKind.REMINDER: _("Reminder: %(title)s"),
            MessageKind.CANCELLATION: _("Registration cancelled: %(title)s"),
            MessageKind.CERTIFICATE: _("Your certificate of attendance: %(title)s"),
            MessageKind.LINK: _("Your registration: %(title)s"),
            MessageKind.WAY_IN: _("Your link to take part has changed: %(title)s"),
            MessageKind.OFFER: _("A place is free for you — please answer: %(title)s"),
            MessageKind.OFFER_EXPIRED: _("The place offered to you has passed on: %(title)s"),
        }
        if kind == MessageKind.ANNOUNCEMENT:
            subject = f"{announcement.subject} — {title}"
        else:
            subject = subjects[kind] % {"title": title}
        body = render_to_string(f"registrations/email/{kind}.txt", context)
    attachments = []
    if kind in WITH_CALENDAR:
        calendar = way_in_calendar(activity, context["way_in"])
        attachments.append(("invite.ics", calendar, "text/calendar"))
    return subject, body, attachments


def registration_path(registration: Registration) -> str:
    return reverse("registrations:self", args=[self_service_token(registration)])


# Emails that state where someone stands go out only while it is still so: a worker may
# run after the person was promoted, or cancelled.
_STANDS = {
    MessageKind.CONFIRMATION: RegistrationStatus.CONFIRMED,
    MessageKind.PROMOTION: RegistrationStatus.CONFIRMED,
    MessageKind.REMINDER: RegistrationStatus.CONFIRMED,
    MessageKind.WAITING: RegistrationStatus.WAITING,
    MessageKind.CANCELLATION: RegistrationStatus.CANCELLED,
    MessageKind.WAY_IN: RegistrationStatus.CONFIRMED,
    MessageKind.OFFER: RegistrationStatus.WAITING,
    MessageKind.OFFER_EXPIRED: RegistrationStatus.WAITING,
}


def _still_true(registration: Registration, kind: str, key: str = "") -> bool:
    wanted = _STANDS.get(kind)
    if wanted is not None and registration.status != wanted:
        return False
    if kind == MessageKind.WAY_IN:
        # Moved again since: the later email says where they are now.
        return key.split(":", 1)[0] == str(registration.way_in_id)
    if kind == MessageKind.OFFER:
        return Offer.objects.filter(
            pk=int(key) if key.isdigit() else 0, status=OfferStatus.PENDING
        ).exists()
    return True


def registration_email_queue(
    *,
    registration_id: int,
    kind: str,
    key: str = "",
    session: Session | None = None,
    announcement: Announcement | None = None,
) -> bool:
    """Queue one email to a registrant unless it was queued before. Returns whether it was
    queued now."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_related("activity").filter(pk=registration_id).first()
        )
        if registration is None or registration.erased_at or not registration.email:
            return False
        if not _still_true(registration, kind, key):
            return False
        record, created = RegistrationEmail.objects.get_or_create(
            registration=registration, kind=kind, key=key
        )
        if not created:
            return False
        subject, body, attachments = render(
            registration, kind, session=session, announcement=announcement, key=key
        )
        record.email = email_queue(
            to=[registration.email], subject=subject, body=body, attachments=attachments
        )
        record.save(update_fields=["email"])
        if kind in STANDING:
            registration.confirmation = record.email
            registration.save(update_fields=["confirmation"])
    return True
