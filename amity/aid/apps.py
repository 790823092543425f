from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "amity.aid"
    verbose_name = _("Aid to partners")

    def ready(self) -> None:
        # Aid's parts of the pages of the apps below it, which never import aid: the
        # partner page's panel and timeline, a donor's directory page.
        from amity.aid import sections
        from amity.directory.extensions import register_institution_section, register_person_section
        from amity.relations.extensions import register_timeline_source

        register_institution_section(sections.partner_section)
        register_person_section(sections.person_section, template="aid/_person_section.html")
        register_timeline_source(sections.TIMELINE_KIND, _("Aid"), sections.timeline_entries)
