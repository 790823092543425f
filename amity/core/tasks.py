"""Background tasks of the core. Each takes ids, fetches, and calls a service; each is
safe to run twice (see ``amity.core.background``).

The task framework has no retry policy of its own, so tasks that talk to the outside
world queue themselves again with a delay (``run_after``) when the outside world fails.
"""

from django.utils import timezone

from amity.core.background import background_task, enqueue_task
from amity.core.emails import email_send, retry_delay
from amity.core.models import OutboundEmail


# Before any other task: an email written is sent at once, even while thousands of others
# are still being written.
@background_task("core.send_email", queue_name="email", priority=10)
def send_email(email_id: int) -> str | None:
    try:
        status = email_send(email_id=email_id)
    except Exception:
        attempts = OutboundEmail.objects.values_list("attempts", flat=True).get(pk=email_id)
        enqueue_task(
            "core.send_email", run_after=timezone.now() + retry_delay(attempts), email_id=email_id
        )
        raise
    return status
