from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from amity.api.api import api


def _office_staff_only(request) -> bool:
    # The admin is a raw-data tool for the international affairs office, whatever
    # is_staff says about a login.
    user = request.user
    return user.is_authenticated and user.is_office_staff


class FaviconView(RedirectView):
    def get_redirect_url(self, *args, **kwargs) -> str:
        # Looked up per request: the hashed name exists only once collectstatic has run.
        return static("amity/favicon.svg")


admin.site.site_header = "Amity"
admin.site.site_title = "Amity"
admin.site.has_permission = _office_staff_only

urlpatterns = [
    # First: the public registration API is the busiest path, and Django tries the
    # patterns in order (no page's address starts with api/).
    path("api/v1/", api.urls),
    path("", include("amity.core.urls")),
    path("", include("amity.home.urls")),
    path("accounts/", include("amity.accounts.urls")),
    path("directory/", include("amity.directory.urls")),
    path("", include("amity.events.urls")),
    path("", include("amity.learning.urls")),
    path("", include("amity.plans.urls")),
    path("", include("amity.scheduling.urls")),
    path("", include("amity.registrations.urls")),
    path("", include("amity.sharing.urls")),
    path("", include("amity.relations.urls")),
    path("aid/", include("amity.aid.urls")),
    path("research/", include("amity.research.urls")),
    path("reports/", include("amity.reports.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, the 500 page):
    # answered, not logged as a missing file in their console.
    path("favicon.ico", FaviconView.as_view()),
]
