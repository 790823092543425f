from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "amity.registrations"
    verbose_name = _("Registrations")

    def ready(self) -> None:
        # Reminders follow every session the events services add, move, cancel or
        # restore; they announce it on purpose (bulk creation included), after commit.
        from amity.events.signals import sessions_changed
        from amity.registrations import tasks  # noqa: F401  (declares the tasks by name)
        from amity.registrations.reminders import reminders_follow_sessions

        sessions_changed.connect(
            reminders_follow_sessions, dispatch_uid="registrations-reminders-follow-sessions"
        )
