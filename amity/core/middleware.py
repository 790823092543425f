import zoneinfo

from django.contrib.messages.middleware import MessageMiddleware
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


class PageMessagesMiddleware(MessageMiddleware):
    """Django's messages ("Changes saved.") for pages. The JSON API (``/api/``) answers
    with JSON and never shows them, so its requests do not set up the message store:
    the public registration endpoint is the hot path of a burst. Its language (from
    ``LocaleMiddleware``), session and user are untouched."""

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            super().process_request(request)
