"""Background tasks for joint research: each takes ids, fetches, calls a service, and is
safe to run twice."""

from datetime import date

from amity.core.background import background_task
from amity.research import reminders


@background_task(reminders.TASK)
def remind_approval_expiry(approval_id: int, expires_on: str, days: int) -> bool:
    """Queued for 09:00 ``days`` before ``expires_on``; decides again when it runs."""
    reminder = reminders.approval_remind(
        approval_id=approval_id, expires_on=date.fromisoformat(expires_on)
    )
    return reminder is not None
