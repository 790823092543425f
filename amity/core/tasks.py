"""Background tasks. Each takes ids, fetches, and calls a service; each is safe to run twice.

The task framework is django-tasks (the backport of Django 6's ``django.tasks``) with the
database backend from django-tasks-db: it needs no service beyond the database, runs on
SQLite for the demo and on PostgreSQL with any number of ``amity worker`` processes.
It has no retry policy of its own, so tasks that talk to the outside world re-enqueue
themselves with a delay (``run_after``) when the outside world fails.
"""

from django.utils import timezone
from django_tasks import task

from amity.core.emails import email_send, retry_delay


# Before any other task: an email written is sent at once, even while thousands of others
# are still being written.
@task(queue_name="email", priority=10)
def send_email(email_id: int) -> str | None:
    try:
        status = email_send(email_id=email_id)
    except Exception:
        from amity.core.models import OutboundEmail

        attempts = OutboundEmail.objects.values_list("attempts", flat=True).get(pk=email_id)
        send_email.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(
            email_id=email_id
        )
        raise
    return status
