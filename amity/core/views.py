from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from amity.core.middleware import TIME_ZONE_COOKIE
from amity.core.zones import time_zone_names


@never_cache
@require_safe
def healthz(request):
    """200 when the app answers and its database takes a query; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_POST
def set_time_zone(request):
    """Remember the zone the viewer wants times shown in (a cookie, for a year)."""
    zone = request.POST.get("time_zone", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if zone in time_zone_names():
        response.set_cookie(
            TIME_ZONE_COOKIE,
            zone,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
