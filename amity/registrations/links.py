"""The signed link in every email to a registrant: who holds it may see, add to a calendar
and cancel that one registration, nothing else (``permissions.registration_for_token``
finds the registration). This module signs and reads the token only, so the model can
build its own address without an import cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core import signing

if TYPE_CHECKING:
    from amity.registrations.models import Registration

_SALT = "amity.registrations.self-service"


def self_service_token(registration: Registration) -> str:
    return signing.Signer(salt=_SALT).sign(registration.uid.hex)


def uid_from_token(token: str) -> str | None:
    """The registration uid a token names, or None when it was tampered with."""
    try:
        return signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
