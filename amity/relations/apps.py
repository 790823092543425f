from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "amity.relations"
    verbose_name = _("Partner relations")

    def ready(self) -> None:
        # Declares this app's background tasks by name (amity.core.background).
        from amity.directory.extensions import register_institution_section
        from amity.relations import tasks  # noqa: F401
        from amity.relations.views import partner_sections

        register_institution_section(partner_sections)
