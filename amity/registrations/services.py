"""Writes for registrations. Every change of who holds a place happens inside one
transaction that first takes the activity's lock, then recounts, then writes (pretix's
rule): the limit holds whatever the concurrency, on SQLite (the transaction is IMMEDIATE,
so it already holds the write lock) and on PostgreSQL (SELECT … FOR UPDATE on the
activity's settings row)."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.core.background import enqueue_task
from amity.core.clock import database_now
from amity.core.models import OutboundEmail
from amity.core.prepared import PreparedInsert, PreparedRead
from amity.core.services import save_validated
from amity.events.models import Activity
from amity.registrations import offers, permissions, rooms
from amity.registrations.certify import certificate_file_delete
from amity.registrations.models import (
    AttendanceImport,
    Certificate,
    MessageKind,
    PrivacyNotice,
    Question,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)
from amity.registrations.reminders import reminders_schedule
from amity.registrations.selectors import waiting_position


class RegistrationClosed(Exception):
    """The activity does not accept registrations now (the message says why)."""


class NotTakingRegistrations(RegistrationClosed):
    """The activity has no registration at all."""


def settings_for(activity: Activity) -> RegistrationSettings | None:
    return RegistrationSettings.objects.filter(activity=activity).first()


def registration_settings_save(
    *, activity: Activity, fields: Mapping[str, Any]
) -> RegistrationSettings:
    with transaction.atomic():
        row = settings_for(activity) or RegistrationSettings(activity=activity)
        previous_capacity = row.capacity if row.pk else None
        previous_offers = row.offer_hours if row.pk else None
        save_validated(row, fields)
        if previous_offers and not row.offer_hours:
            # Offers turned off: the places they held go at once, in waiting-list order.
            offers.offers_withdraw(activity=activity)
        if (
            row.capacity is None
            or (previous_capacity is not None and row.capacity > previous_capacity)
            or (previous_offers and not row.offer_hours)
        ):
            _promote_waiting(activity=activity, settings_row=_locked_settings(activity))
    transaction.on_commit(lambda: reminders_schedule(activity_id=activity.pk))
    return row


# The notice used until the office publishes its own (version 1). Kept in English and
# Chinese as the office would write them; a new version is published, never edited.
DEFAULT_NOTICE = (
    "The international affairs office of the hospital processes the personal information "
    "you give here (name, email address, institution, country, profession, time zone and "
    "your answers) to run this activity: to confirm your place, send you its links, "
    "reminders and certificate, and count attendance. Only the organisers of the activity "
    "see it. It is kept until the retention period after the activity's last session and "
    "then erased; what is counted (country, profession, institution, minutes) stays without "
    "your name. The link in every email lets you see, download, correct by registering "
    "again, or erase your data and withdraw your consent at any time. Sensitive personal "
    "information and providing your data to a partner abroad are each asked separately "
    "below; refusing them does not refuse your registration."
)
DEFAULT_NOTICE_LOCAL = (
    "医院国际交流合作办公室为组织本活动处理您在此填写的个人信息（姓名、电子邮箱、单位、国家或"
    "地区、职业、时区及您对问题的回答），用于确认名额、向您发送活动链接、提醒和证书以及统计出"
    "勤。仅本活动的组织者可以查看。信息保存至活动最后一场结束后的保存期限届满，届满即删除；仅保"
    "留不含姓名的统计信息（国家或地区、职业、单位、参加时长）。您可随时通过每封邮件中的链接查看、"
    "下载、删除您的信息或撤回同意。处理敏感个人信息以及向境外合作方提供您的信息将在下方分别征得"
    "您的同意；拒绝不影响您报名。"
)
_NOTICES_CACHE = "registrations:privacy-notices"


def privacy_notice_current() -> PrivacyNotice:
    """The privacy notice in effect now: the latest version whose date has come. The
    versions are cached for a minute (every registration records one); when the office
    has published none, the standard notice is published as version 1 first."""
    notices = cache.get(_NOTICES_CACHE)
    if notices is None:
        notices = list(PrivacyNotice.objects.order_by("-version"))
        if not notices:
            notices = [_default_notice()]
        cache.set(_NOTICES_CACHE, notices, 60)
    now = timezone.now()
    in_effect = [n for n in notices if n.effective_at <= now]
    return in_effect[0] if in_effect else notices[-1]


def _default_notice() -> PrivacyNotice:
    try:
        with transaction.atomic():
            notice, _created = PrivacyNotice.objects.get_or_create(
                version=1,
                defaults={
                    "text": DEFAULT_NOTICE,
                    "text_local": DEFAULT_NOTICE_LOCAL,
                    "effective_at": timezone.make_aware(datetime(2020, 1, 1)),
                },
            )
    except IntegrityError:  # another request published it at the same moment
        notice = PrivacyNotice.objects.get(version=1)
    return notice


def privacy_notice_publish(
    *, text: str, text_local: str, effective_at: datetime | None = None, user: User | None = None
) -> PrivacyNotice:
    """Publish a new version of the privacy notice (the next number), in effect from
    ``effective_at`` (now when not given). Earlier versions stay as they were: the
    registrations that accepted them keep pointing at them."""
    privacy_notice_current()  # the standard notice is version 1, whatever comes next
    with transaction.atomic():
        last = PrivacyNotice.objects.select_for_update().order_by("-version").first()
        notice = PrivacyNotice(
            version=(last.version if last else 0) + 1,
            text=text.strip(),
            text_local=text_local.strip(),
            effective_at=effective_at or timezone.now(),
            published_by=user if user is not None and user.is_authenticated else None,
        )
        notice.full_clean()
        notice.save()
        transaction.on_commit(lambda: cache.delete(_NOTICES_CACHE))
    return notice


def question_save(*, question: Question, fields: Mapping[str, Any]) -> Question:
    with transaction.atomic():
        return save_validated(question, fields)


def question_remove(*, activity: Activity, pk: int) -> int:
    """Remove a question; answers already given stay in the registrations."""
    with transaction.atomic():
        return Question.objects.filter(activity=activity, pk=pk).delete()[0]


# Every registration reads this under the lock: compiled once (see amity.core.prepared).
_LOCKED_SETTINGS = PreparedRead(
    lambda activity_id: RegistrationSettings.objects.select_for_update().filter(
        activity_id=activity_id
    )
)


def _locked_settings(activity: Activity) -> RegistrationSettings:
    """Take the activity's registration lock and return its settings (call inside the
    transaction; RegistrationSettings.DoesNotExist when the activity has none)."""
    row = _LOCKED_SETTINGS.get(activity.pk)
    if row is None:
        raise RegistrationSettings.DoesNotExist
    return row


def _confirmed_count(activity: Activity) -> int:
    return Registration.objects.filter(
        activity=activity, status=RegistrationStatus.CONFIRMED
    ).count()


def _has_room(activity: Activity, settings_row: RegistrationSettings) -> bool:
    """Whether a place is free: pending offers (``offers``) hold theirs."""
    free = _free_places(activity, settings_row)
    return free is None or free > 0


def _free_places(activity: Activity, settings_row: RegistrationSettings) -> int | None:
    """How many places are free (None: no limit); pending offers hold theirs."""
    if settings_row.capacity is None:
        return None
    if settings_row.offer_hours:
        return max(settings_row.capacity - offers.places_taken(activity), 0)
    return max(settings_row.capacity - _confirmed_count(activity), 0)


def _notify(registration: Registration, kind: str, key: str = "") -> None:
    """Ask a worker to email the registrant once this transaction commits; nothing is
    sent for a change that rolls back."""
    enqueue_task("registrations.notify", registration_id=registration.pk, kind=kind, key=key)


@dataclass(frozen=True)
class RegistrationOutcome:
    """What became of a registration request.

    ``registration`` is the new one, or the one the address already had; ``created`` says
    which. Neither may reach an anonymous caller: the page and the API answer every
    accepted request alike ("we have sent an email to this address"), so that nobody
    learns whether an address was registered. ``yours`` is true only when the caller is
    signed in and the registration is their own (``permissions.registration_is_yours``):
    they may be shown it. ``position`` is the place on the waiting list (None when
    confirmed, or when not ``yours``)."""

    registration: Registration
    created: bool
    yours: bool
    position: int | None

    @property
    def confirmed(self) -> bool:
        return self.registration.status == RegistrationStatus.CONFIRMED

    @property
    def waiting(self) -> bool:
        return self.registration.status == RegistrationStatus.WAITING


def email_sent_message(email: str) -> str:
    """The one answer to every accepted registration request that is not the caller's
    own: the same for a new address and a known one."""
    return _(
        "Thank you. We have sent an email to %(email)s: follow the link in it to see your "
        "registration. If it does not arrive within a few minutes, look in the spam folder."
    ) % {"email": email}


def registration_create(
    *,
    activity: Activity,
    fields: Mapping[str, Any],
    user: User | AnonymousUser | None = None,
    submission_key: str = "",
) -> RegistrationOutcome:
    """Register someone, or find their existing registration (same email). Raises
    RegistrationClosed when the activity does not accept registrations, whatever the
    address; queues, when the transaction commits, the confirmation (or waiting-list)
    email for a new registration, or for a known address an email with its link — at
    most one every ``AMITY_REGISTRATION_LINK_EMAIL_MINUTES`` per registration, and none
    when the request repeats the submission that made it (same ``submission_key``: a
    double click, an API retry with the same Idempotency-Key).

    ``fields`` are the form's (``RegistrationForm.registration_fields``): with the
    privacy notice accepted and the separate consents, each recorded with the time."""
    registration, created = _register(
        activity=activity, fields=fields, user=user, submission_key=submission_key
    )
    yours = permissions.registration_is_yours(registration, user=user)
    return RegistrationOutcome(
        registration=registration,
        created=created,
        yours=yours,
        position=waiting_position(registration) if yours else None,
    )


def registrations_create_many(
    *,
    activity: Activity,
    people: Sequence[Mapping[str, Any]],
    user: User | AnonymousUser | None = None,
) -> list[tuple[Registration, bool]]:
    """Register several people at once (a team's table), all or none: one transaction
    that takes the activity's lock first, then registers each person in order exactly as
    ``registration_create`` does — a place while there is one, else the waiting list; a
    known address is not registered twice but sent its link; each new registrant's own
    email is queued for when the transaction commits. Raises ``RegistrationClosed`` (and
    writes nothing) when the activity does not accept registrations.

    Returns (registration, created) for each person, in order.

    New addresses are written together: the places free are counted once under the lock
    and given in the table's order, the rest wait in that order (the same time, then
    the row's id). When the activity has rooms and livestreams, or for an address
    registered before and cancelled, each person goes through ``_register`` on its own."""
    with transaction.atomic():
        try:
            settings_row = _locked_settings(activity)
        except RegistrationSettings.DoesNotExist:
            raise NotTakingRegistrations(_("This activity does not take registrations.")) from None
        if settings_row.has_ways_in:
            return [
                _register(activity=activity, fields=fields, user=user, submission_key="")
                for fields in people
            ]
        now = database_now()
        if not settings_row.accepting_now():
            raise RegistrationClosed(_("Registration for this activity is closed."))
        emails = [fields["email"].strip().lower() for fields in people]
        known = {
            r.email: r for r in Registration.objects.filter(activity=activity, email__in=emails)
        }
        free = _free_places(activity, settings_row)
        results: list[tuple[Registration, bool] | None] = []
        new: list[Registration] = []
        seen: set[str] = set()
        for fields, email in zip(people, emails, strict=True):
            earlier = known.get(email)
            if email in seen or (earlier and earlier.status == RegistrationStatus.CANCELLED):
                results.append(None)  # one by one, below
                continue
            seen.add(email)
            if earlier is not None:
                _send_link(earlier, now, "")
                results.append((earlier, False))
                continue
            confirmed = free is None or free > 0
            if free:
                free -= 1
            registration = Registration(activity=activity)
            status = RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.WAITING
            _fill(registration, fields, email, status, now, user, "")
            registration.way_in = None
            new.append(registration)
            results.append((registration, True))
        Registration.objects.bulk_create(new, batch_size=500)
        for registration in new:
            _notify(
                registration,
                MessageKind.CONFIRMATION
                if registration.status == RegistrationStatus.CONFIRMED
                else MessageKind.WAITING,
            )
        return [
            found or _register(activity=activity, fields=fields, user=user, submission_key="")
            for found, fields in zip(results, people, strict=True)
        ]


# Every registration writes one: compiled once (see amity.core.prepared).
_NEW_REGISTRATION = PreparedInsert(Registration, skip_conflicts=True)


def _register(
    *,
    activity: Activity,
    fields: Mapping[str, Any],
    user: User | AnonymousUser | None,
    submission_key: str,
) -> tuple[Registration, bool]:
    email = fields["email"].strip().lower()
    with transaction.atomic():
        try:
            settings_row = _locked_settings(activity)
        except RegistrationSettings.DoesNotExist:
            raise NotTakingRegistrations(_("This activity does not take registrations.")) from None
        # Read the clock only once the lock is held, and the database's (one clock for
        # every server): the waiting list's order is the order in which people got the lock.
        now = database_now()
        if not settings_row.accepting_now():
            # The same answer for every address: a known one is not told apart.
            raise RegistrationClosed(_("Registration for this activity is closed."))
        status = (
            RegistrationStatus.CONFIRMED
            if _has_room(activity, settings_row)
            else RegistrationStatus.WAITING
        )
        registration = Registration(activity=activity)
        _fill(registration, fields, email, status, now, user, submission_key)
        # The room or livestream, set before the row is written (nothing to read when
        # the activity has no ways in).
        rebalance = status == RegistrationStatus.CONFIRMED and rooms.way_in_for_new(
            registration=registration, settings_row=settings_row
        )
        # Most people are new: insert, and let the one-per-email constraint say when they
        # are not (the row is then not written, and the transaction goes on).
        if _NEW_REGISTRATION.insert(registration):
            occasion = ""
        else:
            registration = Registration.objects.get(activity=activity, email=email)
            if registration.status != RegistrationStatus.CANCELLED:
                _send_link(registration, now, submission_key)
                return registration, False
            # Whoever registers this address again starts afresh: a new link (the old
            # one stops working), no attendance or certificate from before.
            Certificate.objects.filter(registration=registration).delete()
            registration.uid = uuid.uuid4()
            registration.checked_in = False
            registration.minutes_attended = None
            _fill(registration, fields, email, status, now, user, submission_key)
            rebalance = status == RegistrationStatus.CONFIRMED and rooms.way_in_for_new(
                registration=registration, settings_row=settings_row
            )
            registration.save()
            occasion = now.strftime("%Y%m%d%H%M%S%f")
        if rebalance:
            rooms.rooms_rebalance(activity=activity, quiet=[registration.pk])
        _notify(
            registration,
            MessageKind.CONFIRMATION
            if status == RegistrationStatus.CONFIRMED
            else MessageKind.WAITING,
            key=occasion,
        )
    return registration, True


def _send_link(registration: Registration, now: datetime, submission_key: str) -> None:
    """Someone registered a known address again: email its link to the address (the only
    way to the registration), unless this is the same submission repeated or the address
    had its link within the last minutes (the form is no way to flood someone). Call
    with the activity's lock held: the throttle is then exact."""
    if submission_key and registration.submission_key == submission_key[:64]:
        return
    pause = timedelta(minutes=settings.AMITY_REGISTRATION_LINK_EMAIL_MINUTES)
    if registration.link_sent_at is not None and now - registration.link_sent_at < pause:
        return
    registration.link_sent_at = now
    registration.save(update_fields=["link_sent_at"])
    _notify(registration, MessageKind.LINK, key=now.strftime("%Y%m%d%H%M%S%f"))


def _fill(
    registration: Registration,
    fields: Mapping[str, Any],
    email: str,
    status: str,
    now: datetime,
    user: User | AnonymousUser | None,
    submission_key: str,
) -> None:
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.email = email
    # Linked to the signed-in person only when it is their own address: registering
    # someone else does not make the registration theirs to see.
    registration.user = user if email in permissions.own_addresses(user) else None
    registration.status = status
    registration.consent_at = now
    if "notice" not in fields:
        registration.notice = privacy_notice_current()
    for name, unasked in (
        ("sensitive_consent", None),
        ("transfer_consent", None),
        ("transfer_recipients", []),
    ):
        if name not in fields:
            setattr(registration, name, unasked)
    registration.sensitive_consent_at = None if registration.sensitive_consent is None else now
    registration.transfer_consent_at = None if registration.transfer_consent is None else now
    registration.queued_at = now
    registration.cancelled_at = None
    registration.promoted_at = None
    registration.submission_key = submission_key[:64]


def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel a registration; a freed place goes to the first person waiting, who is told.
    Cancelling twice changes nothing."""
    with transaction.atomic():
        settings_row = _locked_settings(registration.activity)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status == RegistrationStatus.CANCELLED:
            return registration
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.way_in = None
        registration.save(update_fields=["status", "cancelled_at", "way_in"])
        offers.offers_release(registration=registration)
        _notify(registration, MessageKind.CANCELLATION, key=registration.cancelled_at.isoformat())
        _promote_waiting(activity=registration.activity, settings_row=settings_row)
        if was_confirmed and settings_row.has_ways_in:
            # A place in the room may be free: the next one on the livestream moves in.
            rooms.rooms_rebalance(activity=registration.activity)
    return registration


def _promote_waiting(*, activity: Activity, settings_row: RegistrationSettings) -> int:
    """Give free places to the people waiting longest — or, when the activity offers
    places for a time (``offer_hours``), offer them (``offers``). Call with the lock held.
    Returns how many were promoted or offered a place."""
    offered = offers.offers_fill(activity=activity, settings_row=settings_row)
    if offered is not None:
        return offered
    return len(offers.promote_at_once(activity=activity, settings_row=settings_row))


def registration_check_in(*, registration: Registration, present: bool) -> Registration:
    with transaction.atomic():
        registration.checked_in = present
        registration.save(update_fields=["checked_in"])
    return registration


PERSONAL_FIELDS = ("email", "family_name", "given_name", "name_local", "answers", "time_zone")


def registration_erase(*, registration: Registration, release_place: bool = True) -> Registration:
    """Erase a registrant's personal data: names, address, answers, their lines in
    attendance reports and their certificate's file. What is counted (country, profession,
    institution, minutes) stays. On request (``release_place``) the registration is also
    cancelled and its place offered to the first person waiting; at the end of the
    retention period the status stays as it was, for the counts."""
    with transaction.atomic():
        # The activity's lock first, as every change of places takes it.
        settings_row = _locked_settings(registration.activity)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.erased_at:
            return registration
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        if release_place and registration.status != RegistrationStatus.CANCELLED:
            registration.status = RegistrationStatus.CANCELLED
            registration.cancelled_at = timezone.now()
            registration.way_in = None
            offers.offers_release(registration=registration)
        _forget_in_reports(registration)
        certificate = Certificate.objects.filter(registration=registration).first()
        if certificate is not None:
            certificate_file_delete(certificate)
        for name in ("email", "family_name", "given_name", "name_local"):
            setattr(registration, name, "")
        registration.answers = {}
        registration.time_zone = "UTC"
        registration.user = None
        registration.erased_at = timezone.now()
        registration.save()
        # Queued mail would carry the name and address: drop what has not left yet.
        mail_ids = list(registration.emails.values_list("email_id", flat=True))
        OutboundEmail.objects.filter(pk__in=mail_ids, status__in=["queued", "retrying"]).update(
            status="failed", last_error="erased on request", body="", to=[], html_body=""
        )
        registration.emails.all().delete()
        if release_place and was_confirmed:
            _promote_waiting(activity=registration.activity, settings_row=settings_row)
            if settings_row.has_ways_in:
                rooms.rooms_rebalance(activity=registration.activity)
    return registration


def _forget_in_reports(registration: Registration) -> None:
    """Remove the registrant's lines from the activity's attendance reports."""
    email = registration.email.lower()
    key = str(registration.pk)
    for record in AttendanceImport.objects.filter(activity=registration.activity):
        lines = [
            line
            for line in record.report
            if not (
                (email and (line.get("email") or "").lower() == email)
                or line.get("registrant") == registration.pk
            )
        ]
        # Merged attendance keeps the registrant's times under their id (no personal
        # data); a line that matched nobody but carried their address is dropped.
        unmatched = f"e:{email}" if email else ""
        if len(lines) != len(record.report) or key in record.minutes or unmatched in record.people:
            record.report = lines
            record.people.pop(unmatched, None)
            record.save(update_fields=["report", "people"])


def registration_export(registration: Registration) -> dict[str, Any]:
    """Everything Amity holds about one registrant, for a request to see it."""
    activity = registration.activity
    questions = {str(q.pk): q.label for q in activity.registration_questions.all()}
    return {
        "activity": activity.title,
        "registered_at": registration.created_at.isoformat(),
        "status": registration.status,
        "email": registration.email,
        "family_name": registration.family_name,
        "given_name": registration.given_name,
        "name_local": registration.name_local,
        "institution": registration.institution,
        "country": str(registration.country.code or ""),
        "profession": registration.profession,
        "time_zone": registration.time_zone,
        "language": registration.language,
        "answers": {questions.get(k, k): v for k, v in registration.answers.items()},
        "consent_at": registration.consent_at.isoformat(),
        "privacy_notice_version": registration.notice.version if registration.notice else None,
        "sensitive_consent": registration.sensitive_consent,
        "sensitive_consent_at": _iso(registration.sensitive_consent_at),
        "transfer_consent": registration.transfer_consent,
        "transfer_consent_at": _iso(registration.transfer_consent_at),
        "transfer_recipients": registration.transfer_recipients,
        "cancelled_at": registration.cancelled_at.isoformat()
        if registration.cancelled_at
        else None,
        "checked_in": registration.checked_in,
        "minutes_attended": registration.minutes_attended,
        "emails": [
            {
                "kind": e.kind,
                "queued_at": e.created_at.isoformat(),
                "status": e.email.status if e.email else None,
            }
            for e in registration.emails.select_related("email")
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)
