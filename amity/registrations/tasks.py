"""Background tasks for registrations: each takes ids, fetches, calls a service, and is
safe to run twice. Declared by name (``amity.core.background``) when the app is ready;
services queue them with ``enqueue_task("registrations.<what>", ...)`` and never import
this module."""

from amity.core.background import background_task
from amity.registrations import announcements, certify, mail, offers, privacy, reminders


@background_task("registrations.notify", queue_name="email")
def registration_notify(registration_id: int, kind: str, key: str = "") -> bool:
    return mail.registration_email_queue(registration_id=registration_id, kind=kind, key=key)


@background_task("registrations.send_reminders", queue_name="email")
def send_reminders(session_id: int, minutes: int, starts_at: str) -> int:
    return reminders.reminders_send(session_id=session_id, minutes=minutes, starts_at=starts_at)


@background_task("registrations.send_announcement")
def send_announcement(announcement_id: int) -> int:
    return announcements.announcement_send(announcement_id=announcement_id)


@background_task("registrations.issue_certificates")
def issue_certificates(activity_id: int) -> int:
    try:
        return certify.certificates_issue(activity_id=activity_id)
    except certify.CertificatesNotYet:
        return 0  # queued before a session was moved later: nothing to issue yet


@background_task("registrations.erase_expired")
def erase_expired() -> int:
    return privacy.erase_expired_registrations()


@background_task("registrations.expire_offers")
def expire_offers(activity_id: int | None = None) -> int:
    """Queued for each offer's deadline; run twice, the second run finds nothing due."""
    return offers.offers_expire_due(activity_id=activity_id)
