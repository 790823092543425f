from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "amity.events"
    label = "events"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # History of changes (amity.core.history): an activity's history includes its
        # sessions, series, speakers, participants and materials.
        from amity.core.history import track
        from amity.events.models import (
            Activity,
            Material,
            Participation,
            Series,
            Session,
            SessionSpeaker,
        )

        track(Activity, m2m=["partners", "languages"], exclude=["sequence"])
        track(Series, part_of=("events.activity", "activity"))
        track(Session, part_of=("events.activity", "activity"), exclude=["sequence"])
        track(SessionSpeaker, part_of=("events.session", "session"))
        track(Participation, part_of=("events.activity", "activity"))
        track(Material, part_of=("events.activity", "activity"))
        # Every feed's version moves with every change a feed shows (amity.events.feeds).
        from amity.events.feeds import watch_changes

        watch_changes()

        # Figures for the reports (amity.core.figures).
        from amity.events import figures as report_figures

        report_figures.register()
