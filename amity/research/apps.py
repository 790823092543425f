from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "amity.research"
    verbose_name = _("Joint research")

    def ready(self) -> None:
        # Research's parts of the pages of the apps below it (which never import research)
        # are registered here: the partner page's panel and timeline, people's pages.
        pass
