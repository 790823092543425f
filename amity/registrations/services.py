"""Writes for registrations. Every change of who holds a place happens inside one
transaction that first takes the activity's lock, then recounts, then writes (pretix's
rule): the limit holds whatever the concurrency, on SQLite (the transaction is IMMEDIATE,
so it already holds the write lock) and on PostgreSQL (SELECT … FOR UPDATE on the
activity's settings row)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.core.background import enqueue_task
from amity.core.models import OutboundEmail
from amity.core.prepared import PreparedInsert, PreparedRead
from amity.core.services import save_validated
from amity.events.models import Activity
from amity.registrations import permissions
from amity.registrations.certify import certificate_file_delete
from amity.registrations.models import (
    AttendanceImport,
    Certificate,
    MessageKind,
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
        save_validated(row, fields)
        if row.capacity is None or (
            previous_capacity is not None and row.capacity > previous_capacity
        ):
            _promote_waiting(activity=activity, settings_row=_locked_settings(activity))
    transaction.on_commit(lambda: reminders_schedule(activity_id=activity.pk))
    return row


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
    return settings_row.capacity is None or _confirmed_count(activity) < settings_row.capacity


def _notify(registration: Registration, kind: str, key: str = "") -> None:
    """Ask a worker to email the registrant once this transaction commits; nothing is
    sent for a change that rolls back."""
    enqueue_task("registrations.notify", registration_id=registration.pk, kind=kind, key=key)


@dataclass(frozen=True)
class RegistrationOutcome:
    """What became of a registration request, as the page and the API both show it.

    ``registration`` is the new one, or the one the address already had; ``created`` says
    which. ``taken`` is true when the address was already registered by a request that
    is not the caller's (see ``permissions.registration_is_yours``): the caller is then
    told only that, never the registration's details. ``position`` is the place on the
    waiting list (None when confirmed, or when ``taken``)."""

    registration: Registration
    created: bool
    taken: bool
    position: int | None

    @property
    def confirmed(self) -> bool:
        return self.registration.status == RegistrationStatus.CONFIRMED

    @property
    def waiting(self) -> bool:
        return self.registration.status == RegistrationStatus.WAITING


def registration_create(
    *,
    activity: Activity,
    fields: Mapping[str, Any],
    user: User | AnonymousUser | None = None,
    submission_key: str = "",
) -> RegistrationOutcome:
    """Register someone, or find their existing registration (same email: a second
    submit, a double click). Raises RegistrationClosed when the activity does not accept
    registrations; queues the confirmation (or waiting-list) email when the transaction
    commits.

    ``submission_key`` is the random key of the form or API call: an existing
    registration is the caller's only with that key, the same signed-in person, or its
    signed link (``permissions.registration_is_yours``)."""
    registration, created = _register(
        activity=activity, fields=fields, user=user, submission_key=submission_key
    )
    taken = not created and not permissions.registration_is_yours(
        registration, submission_key=submission_key, user=user
    )
    return RegistrationOutcome(
        registration=registration,
        created=created,
        taken=taken,
        position=None if taken else waiting_position(registration),
    )


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
        # Read the clock only once the lock is held: the waiting list's order is the order
        # in which people got the lock.
        now = timezone.now()
        if not settings_row.accepting_now():
            existing = Registration.objects.filter(activity=activity, email=email).first()
            if existing is not None and existing.status != RegistrationStatus.CANCELLED:
                return existing, False
            raise RegistrationClosed(_("Registration for this activity is closed."))
        status = (
            RegistrationStatus.CONFIRMED
            if _has_room(activity, settings_row)
            else RegistrationStatus.WAITING
        )
        registration = Registration(activity=activity)
        _fill(registration, fields, email, status, now, user, submission_key)
        # Most people are new: insert, and let the one-per-email constraint say when they
        # are not (the row is then not written, and the transaction goes on).
        if _NEW_REGISTRATION.insert(registration):
            occasion = ""
        else:
            registration = Registration.objects.get(activity=activity, email=email)
            if registration.status != RegistrationStatus.CANCELLED:
                return registration, False
            # Whoever registers this address again starts afresh: a new link (the old
            # one stops working), no attendance or certificate from before.
            Certificate.objects.filter(registration=registration).delete()
            registration.uid = uuid.uuid4()
            registration.checked_in = False
            registration.minutes_attended = None
            _fill(registration, fields, email, status, now, user, submission_key)
            registration.save()
            occasion = now.strftime("%Y%m%d%H%M%S%f")
        _notify(
            registration,
            MessageKind.CONFIRMATION
            if status == RegistrationStatus.CONFIRMED
            else MessageKind.WAITING,
            key=occasion,
        )
    return registration, True


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
    registration.user = user if user is not None and user.is_authenticated else None
    registration.status = status
    registration.consent_at = now
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
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        _notify(registration, MessageKind.CANCELLATION, key=registration.cancelled_at.isoformat())
        _promote_waiting(activity=registration.activity, settings_row=settings_row)
    return registration


def _promote_waiting(*, activity: Activity, settings_row: RegistrationSettings) -> int:
    """Give free places to the people waiting longest. Call with the lock held."""
    promoted = 0
    while _has_room(activity, settings_row):
        nxt = Registration.objects.filter(activity=activity).waiting().first()
        if nxt is None:
            break
        nxt.status = RegistrationStatus.CONFIRMED
        nxt.promoted_at = timezone.now()
        nxt.save(update_fields=["status", "promoted_at"])
        _notify(nxt, MessageKind.PROMOTION, key=nxt.promoted_at.isoformat())
        promoted += 1
    return promoted


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
        if len(lines) != len(record.report) or key in record.minutes:
            record.report = lines
            record.save(update_fields=["report"])


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


def validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)
