"""Writes for agreements, letter templates, recipient lists, campaigns, replies and letters
received. Pages, the demo loader, tasks and commands call these; each runs in one
transaction and validates before it writes, so a rejected change writes nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.core import storage
from amity.core.emails import email_queue
from amity.core.services import save_validated
from amity.directory.models import Institution, Person
from amity.relations import letters as letter_texts
from amity.relations import reminders, selectors
from amity.relations.models import (
    Agreement,
    AttachedFile,
    Campaign,
    CampaignStatus,
    IncomingLetter,
    Letter,
    LetterTemplate,
    RecipientList,
    Reply,
)
from amity.relations.pdf import letterhead_institution, letters_pdf
from amity.relations.uploads import check_upload

MAX_SUBJECT = 300


def _save_with_file(
    obj: AttachedFile, fields: Mapping[str, Any], upload: UploadedFile | None
) -> None:
    """Validate ``obj`` with ``fields``, then check ``upload`` (size, type by content) and
    keep it under a random name in the shared storage, then save. Nothing is written when
    either check fails; a file written for a change that then fails is deleted again
    (``storage.atomic``). A replaced file is removed once the change is committed."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    if upload is not None:
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        old = obj.file.name if obj.file else ""
        storage.save_field(obj.file, checked.name, upload)
        obj.file_name, obj.file_type = checked.name, checked.content_type
        obj.file_size = checked.size
        storage.delete_on_commit(old)
    obj.save()
    return obj


# --- agreements --------------------------------------------------------------------------


def _check_partners(partners: list[Institution]) -> None:
    if not partners:
        raise ValidationError({"partners": _("Choose at least one partner institution.")})
    if any(p.is_home for p in partners):
        raise ValidationError(
            {"partners": _("The home hospital is always a party; choose its partners.")}
        )


@storage.atomic()
def agreement_create(
    *,
    fields: Mapping[str, Any],
    partners: Iterable[Institution],
    file: UploadedFile | None = None,
    user: User | None = None,
) -> Agreement:
    """A new agreement with its partners and signed file; an active one with an expiry
    date gets its reminder tasks queued."""
    partners = list(partners)
    _check_partners(partners)
    agreement = Agreement(created_by=user if user and user.is_authenticated else None)
    _save_with_file(agreement, fields, file)
    agreement.partners.set(partners)
    reminders.reminders_schedule(agreement=agreement)
    return agreement


@storage.atomic()
def agreement_update(
    *,
    agreement: Agreement,
    fields: Mapping[str, Any],
    partners: Iterable[Institution] | None = None,
    file: UploadedFile | None = None,
) -> Agreement:
    """Change an agreement. When its status or expiry date changes, reminders are queued
    for the new date; those queued for the old one find nothing to do when they run."""
    before = Agreement.objects.values("status", "expires_on").get(pk=agreement.pk)
    if partners is not None:
        partners = list(partners)
        _check_partners(partners)
    _save_with_file(agreement, fields, file)
    if partners is not None:
        agreement.partners.set(partners)
    if (agreement.status, agreement.expires_on) != (before["status"], before["expires_on"]):
        reminders.reminders_schedule(agreement=agreement)
    return agreement


# --- templates, lists, campaigns ---------------------------------------------------------


@transaction.atomic
def template_save(
    *, template: LetterTemplate | None, fields: Mapping[str, Any], user: User | None = None
) -> LetterTemplate:
    """Create or change a letter template; unknown placeholders are refused by name."""
    if template is None:
        template = LetterTemplate(created_by=user if user and user.is_authenticated else None)
    return save_validated(template, fields)


@transaction.atomic
def recipient_list_save(
    *,
    recipient_list: RecipientList | None,
    fields: Mapping[str, Any],
    people: Iterable[Person],
) -> RecipientList:
    people = list(people)
    if any(p.institution.is_home for p in people):
        raise ValidationError({"people": _("Letters go to partners: leave out hospital staff.")})
    recipient_list = save_validated(recipient_list or RecipientList(), fields)
    recipient_list.people.set(people)
    return recipient_list


def _refuse_if_sent(campaign: Campaign) -> None:
    if campaign.is_sent:
        raise ValidationError(
            _("“%(name)s” was sent; a sent letter cannot change.") % {"name": campaign.name},
            code="campaign_sent",
        )


@transaction.atomic
def campaign_create(*, fields: Mapping[str, Any], user: User | None = None) -> Campaign:
    campaign = Campaign(created_by=user if user and user.is_authenticated else None)
    return save_validated(campaign, fields)


@transaction.atomic
def campaign_update(*, campaign: Campaign, fields: Mapping[str, Any]) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_if_sent(locked)
    return save_validated(campaign, fields)


def campaign_from_template(template: LetterTemplate) -> dict[str, Any]:
    """Initial campaign fields taken from a template."""
    return {
        "name": template.name,
        "template": template,
        "subject_en": template.subject_en,
        "body_en": template.body_en,
        "subject_zh": template.subject_zh,
        "body_zh": template.body_zh,
    }


@dataclass(frozen=True)
class SendOutcome:
    letters: int  # letters written by this call
    already_sent: bool  # the campaign had been sent before: nothing was done


def _pdf_name(letter: Letter) -> str:
    return f"letter-{slugify(letter.recipient_name) or letter.person_id}.pdf"


@transaction.atomic
def campaign_send(
    *,
    campaign: Campaign,
    user: User | None = None,
    delivered_at: datetime | None = None,
    people: Iterable[Person] | None = None,
) -> SendOutcome:
    """Send the campaign: for every recipient, one ``Letter`` rendered in their language
    and (by email) one queued ``OutboundEmail``, with the letter as a PDF on letterhead
    attached when the campaign says so — all in this one transaction, so either every
    recipient has their letter or none has.

    Exactly once: the campaign's row is locked and re-read first (on SQLite the
    IMMEDIATE transaction does the same), a sent campaign is left alone, and the database
    refuses a second letter for the same (campaign, person). A second click on Send,
    even at the same moment, writes nothing more.

    ``delivered_at`` records a campaign that went out before Amity kept it (history being
    imported, as the demo's letters of 2020): letters and emails are dated then and
    stored as delivered, and nothing is mailed.

    ``people`` sends to exactly these people instead of those the filters match: a
    one-person letter, such as aid's thank-you to a staff donor at the home hospital.

    Raises ValidationError when no one matches the campaign's filters."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.is_sent:
        return SendOutcome(letters=0, already_sent=True)
    locked.full_clean()
    people = list(selectors.campaign_recipients(locked) if people is None else people)
    if not people:
        raise ValidationError(
            _("No one matches this letter's recipients. Change the filters or the list."),
            code="no_recipients",
        )
    home = letterhead_institution() if locked.with_pdf else None
    now = delivered_at or timezone.now()
    letters = []
    for person in people:
        rendered = letter_texts.letter_for(campaign=locked, person=person)
        language = rendered.language
        letter = Letter(
            campaign=locked,
            person=person,
            institution=person.institution,
            recipient_name=person.full_name,
            email_address=person.email if locked.by_email else "",
            language=language,
            subject_en=rendered.subject_en[:MAX_SUBJECT],
            body_en=rendered.body_en,
            subject_zh=rendered.subject_zh[:MAX_SUBJECT],
            body_zh=rendered.body_zh,
            created_at=now,
        )
        if locked.by_email:
            subject, body = letter_texts.email_text(rendered)
            attachments = (
                [(_pdf_name(letter), letters_pdf([letter], home=home), "application/pdf")]
                if locked.with_pdf and delivered_at is None
                else None
            )
            letter.email = email_queue(
                to=[person.email],
                subject=subject[:MAX_SUBJECT],
                body=body,
                reply_to=[user.email] if user is not None and getattr(user, "email", "") else None,
                attachments=attachments,
                delivered_at=delivered_at,
            )
        letters.append(letter)
    Letter.objects.bulk_create(letters)
    locked.status, locked.sent_at = CampaignStatus.SENT, now
    locked.sent_by = user if user is not None and user.is_authenticated else None
    locked.save(update_fields=["status", "sent_at", "sent_by"])
    campaign.status, campaign.sent_at, campaign.sent_by = locked.status, now, locked.sent_by
    return SendOutcome(letters=len(letters), already_sent=False)


# --- replies and letters received -------------------------------------------------------


@storage.atomic()
def reply_record(
    *,
    letter: Letter,
    fields: Mapping[str, Any],
    file: UploadedFile | None = None,
    user: User | None = None,
) -> Reply:
    """Record a partner's reply to one of our letters (date, summary, optional scan)."""
    reply = Reply(letter=letter, recorded_by=user if user and user.is_authenticated else None)
    return _save_with_file(reply, fields, file)


@storage.atomic()
def incoming_letter_record(
    *,
    institution: Institution,
    fields: Mapping[str, Any],
    file: UploadedFile | None = None,
    user: User | None = None,
) -> IncomingLetter:
    """Log a letter received from a partner that answers none of ours."""
    if institution.is_home:
        raise ValidationError(_("Letters received are logged against a partner institution."))
    received = IncomingLetter(
        institution=institution, recorded_by=user if user and user.is_authenticated else None
    )
    return _save_with_file(received, fields, file)
