from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "amity.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        # Figures for the reports (amity.core.figures).
        from amity.learning import figures as report_figures

        report_figures.register()
