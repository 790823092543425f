"""Who may see and change which registrations. Registrants' names, addresses and answers
are reached — by the pages, the downloads and the API — only through these helpers.

- Registering: anyone who may see an activity that takes registrations, also without
  logging in for a public one.
- The list of registrants, its exports, messages to registrants, attendance, check-in,
  certificates and the registration settings: whoever manages the activity (office staff
  every activity, a coordinator their department's). Everyone else who may see the
  activity is refused (403); who may not see it finds nothing (404).
- One registration: whoever holds its signed link (the link in every email to the
  registrant), nothing more; an erased registration is gone for them too.
- "Is this existing registration yours?" (``registration_is_yours``): when the same
  address registers again, its details are shown only to the request that made it (the
  same form submission or ``Idempotency-Key``), the same signed-in person, or a holder of
  its signed link.
"""

import hmac

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


def registration_for_token(token: str) -> Registration | None:
    """The registration a signed link names; None when the link was tampered with, or the
    registration is gone or erased."""
    uid = uid_from_token(token)
    if uid is None:
        return None
    registration = Registration.objects.select_related("activity").filter(uid=uid).first()
    if registration is None or registration.erased_at:
        return None
    return registration


def get_registration_for_token(token: str) -> Registration:
    """The registration a signed link names; 404 when there is none (see
    ``registration_for_token``)."""
    registration = registration_for_token(token)
    if registration is None:
        raise Http404(_("This link is not valid (any more)."))
    return registration


def registration_is_yours(
    registration: Registration,
    *,
    submission_key: str = "",
    user: User | None = None,
    token: str = "",
) -> bool:
    """Whether a request that found ``registration`` already there may see it: it carries
    the key of the submission that made it, comes from the person it belongs to, or holds
    its signed link."""
    if submission_key and registration.submission_key == submission_key:
        return True
    if user is not None and user.is_authenticated and registration.user_id == user.pk:
        return True
    return bool(token) and hmac.compare_digest(token, self_service_token(registration))
