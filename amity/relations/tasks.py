"""Background tasks for partner relations: each takes ids, fetches, calls a service, and
is safe to run twice."""

from datetime import date

from amity.core.background import background_task
from amity.relations import reminders


@background_task("relations.remind_agreement_expiry")
def remind_agreement_expiry(agreement_id: int, expires_on: str, days: int) -> bool:
    """Queued for 09:00 ``days`` before ``expires_on``; decides again when it runs."""
    reminder = reminders.agreement_remind(
        agreement_id=agreement_id, expires_on=date.fromisoformat(expires_on)
    )
    return reminder is not None
