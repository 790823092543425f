from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "amity.relations"
    verbose_name = _("Partner relations")

    def ready(self) -> None:
        # Declares this app's background tasks by name (amity.core.background).
        from amity.core.history import track
        from amity.directory.extensions import register_institution_section
        from amity.relations import tasks  # noqa: F401
        from amity.relations.models import Agreement, Campaign, Letter, LetterTemplate
        from amity.relations.views import partner_sections

        register_institution_section(partner_sections)

        # History of changes (amity.core.history). A letter is recorded when it is sent, by
        # whom and to whom, not its text (the letter itself keeps that).
        track(Agreement, m2m=["partners"])
        track(LetterTemplate)
        track(Campaign)
        track(
            Letter,
            include=["campaign", "person", "institution", "language"],
            part_of=("relations.campaign", "campaign"),
        )

        # Figures for the reports (amity.core.figures).
        from amity.relations import figures as report_figures

        report_figures.register()
