"""Background tasks for registrations: each takes ids, fetches, calls a service, and is
safe to run twice."""

from django_tasks import task

from amity.registrations import mail, reminders


@task(queue_name="email")
def registration_notify(registration_id: int, kind: str, key: str = "") -> bool:
    return mail.registration_email_queue(registration_id=registration_id, kind=kind, key=key)


@task(queue_name="email")
def send_reminders(session_id: int, minutes: int, starts_at: str) -> int:
    return reminders.reminders_send(session_id=session_id, minutes=minutes, starts_at=starts_at)


@task()
def send_announcement(announcement_id: int) -> int:
    from amity.registrations.announcements import announcement_send

    return announcement_send(announcement_id=announcement_id)


@task()
def issue_certificates(activity_id: int) -> int:
    from amity.registrations.certify import certificates_issue

    return certificates_issue(activity_id=activity_id)


@task()
def erase_expired() -> int:
    from amity.registrations.privacy import erase_expired_registrations

    return erase_expired_registrations()
