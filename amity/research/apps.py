from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "amity.research"
    verbose_name = _("Joint research")

    def ready(self) -> None:
        # Research's parts of the pages of the apps below it (which never import research)
        # are registered here: the partner page's panel and timeline, people's pages. And
        # this app's background tasks are declared by name (amity.core.background).
        from amity.directory.extensions import register_institution_section, register_person_section
        from amity.relations.extensions import register_timeline_source
        from amity.research import sections, tasks  # noqa: F401

        register_institution_section(sections.partner_section)
        register_person_section(sections.person_section, template="research/_person_section.html")
        register_timeline_source(sections.TIMELINE_KIND, _("Research"), sections.timeline_entries)

        # History of changes (amity.core.history): a study's history includes its team,
        # registry numbers, sites, their ethics approvals and enrolment, and publications.
        from amity.core.history import track
        from amity.research import models as research

        track(research.Study, m2m=["topics", "documents", "activities"])
        track(research.StudyMember, part_of=("research.study", "study"))
        track(research.RegistryId, part_of=("research.study", "study"))
        track(research.Site, m2m=["agreements"], part_of=("research.study", "study"))
        track(research.EthicsApproval, part_of=("research.site", "site"))
        track(research.Enrolment, part_of=("research.site", "site"))
        track(research.Publication, part_of=("research.study", "study"))

        # Figures for the reports (amity.core.figures).
        from amity.research import figures as report_figures

        report_figures.register()
