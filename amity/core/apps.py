from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "amity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Declares this app's background tasks by name (amity.core.background).
        # And the health report's system checks (`amity manage check --deploy`).
        from amity.core import health, tasks  # noqa: F401
