"""Who may see and change which registrations. Registrants' names, addresses and answers
are reached — by the pages, the downloads and the API — only through these helpers.

- Registering: anyone who may see an activity that takes registrations, also without
  logging in for a public one.
- The list of registrants, its exports, messages to registrants, attendance, check-in,
  certificates and the registration settings: whoever manages the activity (office staff
  every activity, a coordinator their department's). Everyone else who may see the
  activity is refused (403); who may not see it finds nothing (404).
- One registration: whoever holds its signed link (the link in every email to the
  registrant), nothing more. Once its personal data is erased — by the registrant, the
  organiser, or at the end of the retention period, also before ``erase_expired`` has
  run — the link and every action on it answer "erased" (``RegistrationGone``).
- Who registered is told to nobody who asks by registering: an anonymous request is
  answered alike for a new and a known address (see ``services.registration_create``).
  Only a signed-in person is shown a registration on registering, and only their own
  (``registration_is_yours``: made by them, or for their own address).
- The privacy notice's versions: office staff publish them.
"""

import hmac

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.events import permissions as event_permissions
from amity.events.models import Activity
from amity.registrations import selectors
from amity.registrations.links import self_service_token, uid_from_token
from amity.registrations.models import Registration, RegistrationSettings


def can_manage_registrations(user: User, activity: Activity) -> bool:
    """Whether ``user`` may see the activity's registrants and act on them."""
    return event_permissions.can_manage_activity(user, activity)


def get_activity_to_manage(user: User, pk: int) -> Activity:
    """The activity whose registrations ``user`` manages: 404 when they may not see it,
    403 when they see it but do not manage it."""
    activity = event_permissions.get_activity_for_user(user, pk)
    if not can_manage_registrations(user, activity):
        raise PermissionDenied
    return activity


def get_activity_to_register_for(user: User, pk: int) -> tuple[Activity, RegistrationSettings]:
    """The activity ``user`` may see and its registration settings; 404 when they may not
    see it or it takes no registrations. The activity knows whether it asks questions
    (``selectors.questions_of``)."""
    activity = selectors.activity_to_register_for(user, pk)
    if activity is None:
        raise Http404(_("This activity does not take registrations."))
    settings_row = RegistrationSettings.objects.filter(activity=activity).first()
    if settings_row is None:
        raise Http404(_("This activity does not take registrations."))
    return activity, settings_row


class RegistrationGone(Exception):
    """The registration a valid link names has had its personal data erased, or its
    retention period has ended: the link no longer shows or does anything."""


def registration_for_token(token: str) -> Registration | None:
    """The registration a signed link names; None when the link was tampered with or the
    registration is gone (a new registration of the same address has a new link).
    Raises ``RegistrationGone`` when its data is erased or due to be."""
    uid = uid_from_token(token)
    if uid is None:
        return None
    registration = Registration.objects.select_related("activity", "notice").filter(uid=uid).first()
    if registration is None:
        return None
    if registration.erased_at or selectors.retention_ended(registration.activity):
        raise RegistrationGone
    return registration


def get_registration_for_token(token: str) -> Registration:
    """The registration a signed link names; 404 when there is none, ``RegistrationGone``
    when its data is erased (see ``registration_for_token``)."""
    registration = registration_for_token(token)
    if registration is None:
        raise Http404(_("This link is not valid (any more)."))
    return registration


def own_addresses(user: User | AnonymousUser | None) -> set[str]:
    """The email addresses that are the signed-in ``user``'s own: their login's and their
    directory entry's (none for an anonymous visitor)."""
    if user is None or not user.is_authenticated:
        return set()
    person = getattr(user, "person", None)
    found = {user.email, person.email if person is not None else ""}
    return {address.strip().lower() for address in found if address and address.strip()}


def registration_is_yours(
    registration: Registration,
    *,
    user: User | AnonymousUser | None = None,
    token: str = "",
) -> bool:
    """Whether the caller may be shown ``registration``: they are signed in and it is
    theirs (made by them for themselves, or for their own address), or they hold its
    signed link. A submission key (form or Idempotency-Key) is no proof: anyone can send
    one, and the answer would tell them the address was registered."""
    if (
        user is not None
        and user.is_authenticated
        and (registration.user_id == user.pk or registration.email in own_addresses(user))
    ):
        return True
    return bool(token) and hmac.compare_digest(token, self_service_token(registration))


def require_office_staff(user: User) -> None:
    """Only office staff publish the privacy notice (403 for everyone else)."""
    if not (user.is_authenticated and user.is_office_staff):
        raise PermissionDenied
