"""The second factor (django-otp): an authenticator app (TOTP) and single-use backup codes.

A login with a second factor has two steps. The password step only notes in the session
who passed it and when (``PENDING``); nobody is logged in until the code step accepts a
code from the user's authenticator or one of their backup codes, within
``PENDING_SECONDS``. Wrong codes slow down per device (django-otp's throttling).
"""

import io
import time

import segno
from django.conf import settings
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING = "amity_2fa_pending"
PENDING_SECONDS = 300


def is_required(user) -> bool:
    return settings.AMITY_REQUIRE_TOTP and user.is_office_staff


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user) -> int:
    return sum(
        device.token_set.count()
        for device in devices_for_user(user, confirmed=True)
        if hasattr(device, "token_set")
    )


def pending_start(request, user) -> None:
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "at": time.time(),
    }


def pending(request) -> dict | None:
    """The password step this session passed, if it is recent enough."""
    data = request.session.get(PENDING)
    if not data or time.time() - data["at"] > PENDING_SECONDS:
        return None
    return data


def pending_end(request) -> None:
    request.session.pop(PENDING, None)


def qr_svg(device: TOTPDevice) -> bytes:
    """The authenticator's set-up link as an SVG QR code, drawn here (no outside service)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return out.getvalue()
