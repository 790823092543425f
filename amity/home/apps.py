from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top of the layers: the overview page, the navigation and the demo scenario,
    which gather every domain app and are imported by none of them."""

    name = "amity.home"
    label = "home"
    verbose_name = _("Overview")
