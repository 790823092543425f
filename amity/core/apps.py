from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "amity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Declares this app's background tasks by name (amity.core.background).
        from amity.core import tasks  # noqa: F401
