from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "amity.relations"
    verbose_name = _("Partner relations")

    def ready(self) -> None:
        # Declares this app's background tasks by name (amity.core.background).
        from amity.relations import tasks  # noqa: F401
