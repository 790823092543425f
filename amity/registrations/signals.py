"""Keep reminders in step with sessions: a new or moved session gets its reminders."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from amity.events.models import Session


@receiver(post_save, sender=Session, dispatch_uid="registrations-session-reminders")
def _session_saved(sender, instance: Session, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from amity.registrations.reminders import reminders_schedule_session

    transaction.on_commit(lambda: reminders_schedule_session(session=instance))
