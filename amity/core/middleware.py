import zoneinfo

from django.utils import timezone

from amity.core.zones import time_zone_names

TIME_ZONE_COOKIE = "amity_tz"


def viewer_time_zone(request) -> str | None:
    """The zone the viewer asked for (cookie), else the one in their profile."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if name in time_zone_names():
        return name
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.person is not None:
        return user.person.time_zone
    return None


class ViewerTimeZoneMiddleware:
    """Show every time in the viewer's own zone: the one their browser reported (kept in
    a cookie, changeable on any page), or their profile's, or the site's default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = viewer_time_zone(request)
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        request.viewer_time_zone_known = name is not None
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
