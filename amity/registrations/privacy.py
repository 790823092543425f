"""Retention: personal data of registrants is erased a set time after an activity's last
session; counts (status, country, profession, institution, minutes) are kept."""

from django.utils import timezone

from amity.registrations.models import Registration, RegistrationSettings
from amity.registrations.selectors import retention_ends
from amity.registrations.services import registration_erase


def erasure_due(settings_row: RegistrationSettings):
    """When this activity's registrants' personal data is to be erased (None: no sessions)."""
    return retention_ends(settings_row)


def erase_expired_registrations(*, now=None) -> int:
    """Erase every registration whose activity's retention period has ended. Returns how
    many were erased; safe to run at any time (``amity manage erase_expired``)."""
    now = now or timezone.now()
    erased = 0
    for settings_row in RegistrationSettings.objects.select_related("activity"):
        due = erasure_due(settings_row)
        if due is None or due > now:
            continue
        for registration in Registration.objects.filter(
            activity=settings_row.activity, erased_at__isnull=True
        ):
            registration_erase(registration=registration, release_place=False)
            erased += 1
        RegistrationSettings.objects.filter(pk=settings_row.pk).update(erased_at=now)
    return erased
