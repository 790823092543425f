"""Who may see and change agreements and letters. Pages, downloads and the API reach
them only through these helpers.

Agreements:
- office staff: read and manage every agreement, and download its signed file;
- department coordinators and staff members: read every agreement and its file;
- partner contacts: read the agreements their own institution is a party to, and their
  files; nothing else.

Letters:
- office staff: write templates, recipient lists and campaigns, preview and send them,
  record replies and letters received. Letters go out in the hospital's name, so this
  stays with the international affairs office;
- department coordinators and staff members: read every campaign, letter, reply and
  letter received (the correspondence with partners is the hospital's shared memory);
- partner contacts: read the letters addressed to them personally — not colleagues'
  letters, not the replies or letters received as the office recorded them (those are the
  hospital's notes);
- anonymous visitors: nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from amity.relations.models import (
    Agreement,
    AgreementStatus,
    Campaign,
    IncomingLetter,
    Letter,
    LetterTemplate,
    RecipientList,
    Reply,
)


def _signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


def is_home_staff(user) -> bool:
    return _signed_in(user) and not user.is_partner_contact


def _partner_person(user):
    if not (_signed_in(user) and user.is_partner_contact):
        return None
    return user.person


# --- agreements --------------------------------------------------------------------------


def can_manage_agreements(user) -> bool:
    return _signed_in(user) and user.is_office_staff


def agreements_visible_to(user) -> QuerySet[Agreement]:
    qs = Agreement.objects.all()
    if is_home_staff(user):
        return qs
    person = _partner_person(user)
    if person is None:
        return qs.none()
    # Drafts are the office's work in progress: partners see agreements once signed.
    theirs = Agreement.objects.filter(partners=person.institution_id).exclude(
        status=AgreementStatus.DRAFT
    )
    return qs.filter(pk__in=theirs.values("pk"))


def get_agreement_for_user(user, pk: int) -> Agreement:
    return get_object_or_404(agreements_visible_to(user).with_state(), pk=pk)


def get_agreement_for_edit(user, pk: int) -> Agreement:
    agreement = get_agreement_for_user(user, pk)
    if not can_manage_agreements(user):
        raise PermissionDenied
    return agreement


# --- letters -----------------------------------------------------------------------------


def can_write_letters(user) -> bool:
    return _signed_in(user) and user.is_office_staff


def can_browse_correspondence(user) -> bool:
    """Campaigns, templates, replies and letters received: the hospital's own staff."""
    return is_home_staff(user)


def letters_visible_to(user) -> QuerySet[Letter]:
    qs = Letter.objects.all()
    if is_home_staff(user):
        return qs
    person = _partner_person(user)
    if person is None:
        return qs.none()
    return qs.filter(person=person)


def replies_visible_to(user) -> QuerySet[Reply]:
    return Reply.objects.all() if is_home_staff(user) else Reply.objects.none()


def incoming_letters_visible_to(user) -> QuerySet[IncomingLetter]:
    return IncomingLetter.objects.all() if is_home_staff(user) else IncomingLetter.objects.none()


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    return Campaign.objects.all() if is_home_staff(user) else Campaign.objects.none()


def get_letter_for_user(user, pk: int) -> Letter:
    return get_object_or_404(
        letters_visible_to(user).select_related(
            "campaign", "person", "institution", "email", "person__institution"
        ),
        pk=pk,
    )


def get_letter_for_reply(user, pk: int) -> Letter:
    letter = get_letter_for_user(user, pk)
    if not can_write_letters(user):
        raise PermissionDenied
    return letter


def get_campaign_for_user(user, pk: int) -> Campaign:
    if not can_browse_correspondence(user):
        raise PermissionDenied
    return get_object_or_404(
        campaigns_visible_to(user).select_related("recipient_list", "template", "sent_by"),
        pk=pk,
    )


def get_campaign_for_edit(user, pk: int) -> Campaign:
    campaign = get_campaign_for_user(user, pk)
    if not can_write_letters(user):
        raise PermissionDenied
    return campaign


def require_letter_writer(user) -> None:
    if not can_write_letters(user):
        raise PermissionDenied


def require_correspondence_reader(user) -> None:
    if not can_browse_correspondence(user):
        raise PermissionDenied


def get_template_for_edit(user, pk: int) -> LetterTemplate:
    require_letter_writer(user)
    return get_object_or_404(LetterTemplate, pk=pk)


def get_list_for_edit(user, pk: int) -> RecipientList:
    require_letter_writer(user)
    return get_object_or_404(RecipientList, pk=pk)


def get_reply_for_user(user, pk: int) -> Reply:
    require_correspondence_reader(user)
    return get_object_or_404(replies_visible_to(user).select_related("letter"), pk=pk)


def get_incoming_letter_for_user(user, pk: int) -> IncomingLetter:
    require_correspondence_reader(user)
    return get_object_or_404(incoming_letters_visible_to(user), pk=pk)
