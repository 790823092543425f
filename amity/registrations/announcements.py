"""A message from the organisers to all registrants or to a filter of them."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from amity.core.background import enqueue_task
from amity.events.models import Activity
from amity.registrations.mail import registration_email_queue
from amity.registrations.models import Announcement, MessageKind, RegistrationStatus
from amity.registrations.selectors import RegistrantFilters, registrants


def recipients(activity: Activity, filters: RegistrantFilters):
    """Who a message goes to: the filter's registrants with an address; people who
    cancelled only when the filter asks for them."""
    qs = registrants(activity, filters).exclude(email="")
    if not filters.status:
        qs = qs.exclude(status=RegistrationStatus.CANCELLED)
    return qs


def announcement_create(
    *, activity: Activity, subject: str, body: str, filters: RegistrantFilters, user
) -> Announcement:
    """Record the message and queue its sending; returns it with the number of recipients."""
    with transaction.atomic():
        announcement = Announcement.objects.create(
            activity=activity,
            subject=subject.strip(),
            body=body,
            filters=filters.as_dict(),
            created_by=user,
            recipients=recipients(activity, filters).count(),
        )
        enqueue_task("registrations.send_announcement", announcement_id=announcement.pk)
    return announcement


def announcement_send(*, announcement_id: int) -> int:
    """Queue the message to each recipient once (safe to run twice, or after a crash)."""
    announcement = Announcement.objects.select_related("activity").get(pk=announcement_id)
    filters = RegistrantFilters.from_dict(announcement.filters)
    ids = list(recipients(announcement.activity, filters).values_list("pk", flat=True))
    queued = 0
    for pk in ids:
        if registration_email_queue(
            registration_id=pk,
            kind=MessageKind.ANNOUNCEMENT,
            key=str(announcement.pk),
            announcement=announcement,
        ):
            queued += 1
            Announcement.objects.filter(pk=announcement.pk).update(queued=F("queued") + 1)
    Announcement.objects.filter(pk=announcement.pk).update(finished_at=timezone.now())
    return queued
