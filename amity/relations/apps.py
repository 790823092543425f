from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "amity.relations"
    verbose_name = _("Partner relations")
