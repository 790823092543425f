"""The signed link in every email to a registrant: who holds it may see, add to a calendar
and cancel that one registration, nothing else."""

from django.core import signing

from amity.registrations.models import Registration

_SALT = "amity.registrations.self-service"


def self_service_token(registration: Registration) -> str:
    return signing.Signer(salt=_SALT).sign(registration.uid.hex)


def registration_from_token(token: str) -> Registration | None:
    """The registration a token names, or None when it was tampered with or is gone."""
    try:
        uid = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Registration.objects.select_related("activity").filter(uid=uid).first()
