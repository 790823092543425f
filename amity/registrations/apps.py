from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "amity.registrations"
    verbose_name = _("Registrations")

    def ready(self) -> None:
        # Reminders follow every session the events services add, move, cancel or
        # restore; they announce it on purpose (bulk creation included), after commit.
        from amity.core.history import track
        from amity.events.signals import sessions_changed
        from amity.registrations import tasks  # noqa: F401  (declares the tasks by name)
        from amity.registrations.models import Question, RegistrationSettings
        from amity.registrations.reminders import reminders_follow_sessions

        sessions_changed.connect(
            reminders_follow_sessions, dispatch_uid="registrations-reminders-follow-sessions"
        )

        # History of changes (amity.core.history): the settings and questions only, shown
        # on the activity's history. Registrations are not recorded: they hold registrants'
        # personal data, and an erasure must leave none of it behind.
        track(RegistrationSettings, part_of=("events.activity", "activity"))
        track(Question, part_of=("events.activity", "activity"))

        # Figures for the reports (amity.core.figures).
        from amity.registrations import figures as report_figures

        report_figures.register()
        # Activities as stories for the reports' news draft.
        from amity.registrations import stories

        stories.register()
