from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "amity.registrations"
    verbose_name = _("Registrations")

    def ready(self) -> None:
        from amity.registrations import signals  # noqa: F401
