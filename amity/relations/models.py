"""Partner relations: agreements with partner institutions, letters to their people
(written once in English and Chinese, sent as a campaign), the replies and the letters
received.

A campaign's letters are written once, when it is sent: one ``Letter`` per recipient,
rendered in the recipient's language and kept as sent, so later edits to a template or to
the directory never change what a partner received. The delivery state of a letter sent
by email is its ``OutboundEmail``'s status.
"""

import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amity.core.models import ExpiryReminder, OutboundEmail
from amity.directory.models import Institution, InstitutionKind, PartnershipStatus, Person
from amity.relations import placeholders


def stored_file_name(instance, filename: str) -> str:
    """Uploads are kept under a random name in a folder of their own: nothing of the
    uploader's file name reaches the file system, and names cannot be guessed."""
    return f"relations/{type(instance).__name__.lower()}/{secrets.token_hex(16)}"


class AttachedFile(models.Model):
    """A kept upload (a signed agreement, a scanned reply): the file under a random name
    below MEDIA_ROOT, and its checked type and sanitised original name for downloads."""

    file = models.FileField(_("file"), upload_to=stored_file_name, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(_("file type"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)

    class Meta:
        abstract = True

    @property
    def has_file(self) -> bool:
        return bool(self.file)


# --- agreements --------------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding")
    EXCHANGE = "exchange", _("Exchange agreement")
    RESEARCH = "research", _("Research collaboration")
    OTHER = "other", _("Other agreement")


class AgreementStatus(models.TextChoices):
    """What the office decides. Whether an active agreement has expired follows from its
    expiry date (``AgreementState``), so it is never out of date."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class AgreementState(models.TextChoices):
    """What a reader sees: the status, with "expired" for an active agreement whose
    expiry date has passed."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class AgreementQuerySet(models.QuerySet):
    def with_state(self, today: date | None = None):
        """Annotate ``state`` (an ``AgreementState`` value) as of ``today``."""
        today = today or timezone.localdate()
        return self.annotate(
            state=Case(
                When(
                    status=AgreementStatus.ACTIVE,
                    expires_on__lt=today,
                    then=Value(AgreementState.EXPIRED.value),
                ),
                default="status",
                output_field=models.CharField(),
            )
        )

    def in_state(self, state: str, today: date | None = None):
        today = today or timezone.localdate()
        if state == AgreementState.EXPIRED:
            return self.filter(status=AgreementStatus.ACTIVE, expires_on__lt=today)
        if state == AgreementState.ACTIVE:
            return self.filter(status=AgreementStatus.ACTIVE).exclude(expires_on__lt=today)
        return self.filter(status=state)


class Agreement(AttachedFile):
    """A memorandum of understanding or another agreement between the home hospital and
    one or more partner institutions (the home hospital is always a party, so only the
    partners are stored)."""

    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    partners = models.ManyToManyField(
        Institution, verbose_name=_("partner institutions"), related_name="agreements"
    )
    scope = models.TextField(
        _("scope"), blank=True, help_text=_("What the parties agree to do together.")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty if it does not expire.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgreementKind.values) & Q(status__in=AgreementStatus.values),
                name="relations_agreement_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(expires_on__gt=models.F("signed_on")),
                name="relations_agreement_expires_after_signing",
                violation_error_message=_("An agreement must expire after it is signed."),
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.ACTIVE) | Q(signed_on__isnull=False),
                name="relations_agreement_active_is_signed",
                violation_error_message=_("An active agreement needs the date it was signed."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("relations:agreement_detail", args=[self.pk])

    def state_on(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status == AgreementStatus.ACTIVE and self.expires_on and self.expires_on < today:
            return AgreementState.EXPIRED
        return self.status

    @property
    def current_state(self) -> str:
        return getattr(self, "state", None) or self.state_on()

    def get_current_state_display(self) -> str:
        return AgreementState(self.current_state).label

    @property
    def days_left(self) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - timezone.localdate()).days

    @property
    def expires_soon(self) -> bool:
        """Active and expiring within the longest reminder offset (90 days by default)."""
        from amity.relations.reminders import reminder_days

        days, offsets = self.days_left, reminder_days()
        return (
            self.current_state == AgreementState.ACTIVE
            and days is not None
            and bool(offsets)
            and 0 <= days <= max(offsets)
        )

    def clean(self):
        errors = {}
        if self.status == AgreementStatus.ACTIVE and not self.signed_on:
            errors["signed_on"] = _("An active agreement needs the date it was signed.")
        if self.signed_on and self.expires_on and self.expires_on <= self.signed_on:
            errors["expires_on"] = _("An agreement must expire after it is signed.")
        if errors:
            raise ValidationError(errors)


class AgreementReminder(ExpiryReminder):
    """That office staff were reminded of an agreement's expiry: once per agreement,
    expiry date and offset (days before). A new expiry date starts afresh."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")

    class Meta(ExpiryReminder.Meta):
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "expires_on", "days_before"],
                name="relations_reminder_once_per_offset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} −{self.days_before} d"


# --- letters -----------------------------------------------------------------------------


class LetterTexts(models.Model):
    """Subject and body in English and in Chinese, with placeholders such as {partner}
    and {salutation}. A language is written completely (subject and body) or not at all;
    at least one is."""

    subject_en = models.CharField(_("subject in English"), max_length=250, blank=True)
    body_en = models.TextField(_("letter in English"), blank=True)
    subject_zh = models.CharField(_("subject in Chinese"), max_length=250, blank=True)
    body_zh = models.TextField(_("letter in Chinese"), blank=True)

    class Meta:
        abstract = True

    @property
    def languages(self) -> list[str]:
        """The languages written: "zh" and/or "en"."""
        return [
            code
            for code, subject, body in (
                ("zh", self.subject_zh, self.body_zh),
                ("en", self.subject_en, self.body_en),
            )
            if subject.strip() and body.strip()
        ]

    def clean(self):
        errors: dict[str, list] = {}
        for name in ("subject_en", "body_en", "subject_zh", "body_zh"):
            try:
                placeholders.validate(getattr(self, name))
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
        for subject, body in (("subject_en", "body_en"), ("subject_zh", "body_zh")):
            has_subject = bool(getattr(self, subject).strip())
            has_body = bool(getattr(self, body).strip())
            if has_subject and not has_body:
                errors.setdefault(body, []).append(_("Write the letter for this subject."))
            if has_body and not has_subject:
                errors.setdefault(subject, []).append(_("Give this letter a subject."))
        if not errors and not self.languages:
            errors["__all__"] = [_("Write the letter in English, in Chinese, or in both.")]
        if errors:
            raise ValidationError(errors)


class LetterTemplate(LetterTexts):
    """A reusable letter, e.g. the letter of solidarity to overseas partners."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("relations:template_edit", args=[self.pk])


class RecipientList(models.Model):
    """A saved list of people to write to, e.g. the sites of the weekly CICU call."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    people = models.ManyToManyField(Person, verbose_name=_("people"), related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recipient list")
        verbose_name_plural = _("recipient lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("relations:list_edit", args=[self.pk])


class LanguageMode(models.TextChoices):
    AUTO = "auto", _("Each recipient's language")
    EN = "en", _("English")
    ZH = "zh", _("Chinese")
    BOTH = "both", _("Chinese and English")


class Delivery(models.TextChoices):
    EMAIL = "email", _("Email")
    EMAIL_PDF = "email_pdf", _("Email with the letter as a PDF on letterhead")
    PDF = "pdf", _("PDF on letterhead only (to print and post)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", pgettext_lazy("campaign", "Sent")


class Campaign(LetterTexts):
    """One letter to many people: the texts, who receives it (filters and/or a saved
    list), in which language and how. Sending it writes one ``Letter`` per recipient in
    one transaction; a campaign is sent once."""

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(
        LetterTemplate,
        verbose_name=_("started from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    letter_date = models.DateField(_("date of the letter"), default=timezone.localdate)
    language_mode = models.CharField(
        _("language"), max_length=10, choices=LanguageMode.choices, default=LanguageMode.AUTO
    )
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.EMAIL
    )
    countries = models.JSONField(_("countries"), default=list, blank=True)
    partnership_statuses = models.JSONField(_("partnership status"), default=list, blank=True)
    institution_kinds = models.JSONField(_("kinds of institution"), default=list, blank=True)
    recipient_list = models.ForeignKey(
        RecipientList,
        verbose_name=_("saved list"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    signature_en = models.TextField(
        _("signature in English"),
        blank=True,
        help_text=_("Name and position of the signatory, one per line."),
    )
    signature_zh = models.TextField(_("signature in Chinese"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("letter campaign")
        verbose_name_plural = _("letter campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(language_mode__in=LanguageMode.values)
                & Q(delivery__in=Delivery.values)
                & Q(status__in=CampaignStatus.values),
                name="relations_campaign_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=CampaignStatus.DRAFT) | Q(sent_at__isnull=False),
                name="relations_campaign_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("relations:campaign_detail", args=[self.pk])

    @property
    def is_sent(self) -> bool:
        return self.status == CampaignStatus.SENT

    @property
    def sent_by_name(self) -> str:
        user = self.sent_by
        if user is None:
            return ""
        return user.person.full_name if user.person else user.username

    @property
    def by_email(self) -> bool:
        return self.delivery in (Delivery.EMAIL, Delivery.EMAIL_PDF)

    @property
    def with_pdf(self) -> bool:
        return self.delivery in (Delivery.EMAIL_PDF, Delivery.PDF)

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        choices = {
            "partnership_statuses": [
                v for v in PartnershipStatus.values if v != PartnershipStatus.HOME
            ],
            "institution_kinds": InstitutionKind.values,
        }
        for field, allowed in choices.items():
            unknown = [v for v in getattr(self, field) if v not in allowed]
            if unknown:
                errors.setdefault(field, []).append(
                    _("Unknown choice: %(values)s.") % {"values": ", ".join(unknown)}
                )
        if errors:
            raise ValidationError(errors)


class LetterLanguage(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh", _("Chinese")
    BOTH = "both", _("Chinese and English")


class LetterState(models.TextChoices):
    """The delivery state shown for a letter: its email's status, or "PDF" when it was
    only printed."""

    QUEUED = OutboundEmail.Status.QUEUED.value, _("Queued")
    SENDING = OutboundEmail.Status.SENDING.value, _("Sending")
    SENT = OutboundEmail.Status.SENT.value, pgettext_lazy("email", "Sent")
    RETRYING = OutboundEmail.Status.RETRYING.value, _("Waiting to retry")
    FAILED = OutboundEmail.Status.FAILED.value, _("Failed")
    PDF = "pdf", _("Printed (PDF)")


class Letter(models.Model):
    """One recipient's letter of a campaign, as it was sent: rendered in the recipient's
    language(s), addressed to the person at their institution at the time."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="letters")
    person = models.ForeignKey(
        Person, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="letters"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="letters",
    )
    recipient_name = models.CharField(_("recipient"), max_length=250)
    email_address = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=LetterLanguage.choices)
    subject_en = models.CharField(max_length=300, blank=True)
    body_en = models.TextField(blank=True)
    subject_zh = models.CharField(max_length=300, blank=True)
    body_zh = models.TextField(blank=True)
    email = models.OneToOneField(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="letter"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at", "recipient_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], name="relations_letter_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(language__in=LetterLanguage.values),
                name="relations_letter_language_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "-created_at"], name="relations_letter_inst")
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient_name}"

    def get_absolute_url(self) -> str:
        return reverse("relations:letter_detail", args=[self.pk])

    @property
    def parts(self) -> list[tuple[str, str, str]]:
        """(language, subject, body) in the order they are written: Chinese first."""
        return [
            (code, subject, body)
            for code, subject, body in (
                ("zh", self.subject_zh, self.body_zh),
                ("en", self.subject_en, self.body_en),
            )
            if body
        ]

    @property
    def subject(self) -> str:
        return " / ".join(subject for _code, subject, _body in self.parts)

    @property
    def state(self) -> str:
        if self.email_id is None:
            return LetterState.PDF
        return self.email.status

    def get_state_display(self) -> str:
        return LetterState(self.state).label


class RecordedLetter(AttachedFile):
    """What the office records of a letter it received: who recorded it, and when."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Reply(RecordedLetter):
    """A partner's answer to a letter, as the office records it."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="replies")
    received_on = models.DateField(_("received on"))
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.letter.recipient_name}, {self.received_on}"


class IncomingLetter(RecordedLetter):
    """A letter received from a partner institution that answers none of ours."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("from institution"),
        on_delete=models.PROTECT,
        related_name="incoming_letters",
    )
    sender = models.ForeignKey(
        Person,
        verbose_name=_("from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sender_name = models.CharField(_("from (if not in the directory)"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    subject = models.CharField(_("subject"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("letter received")
        verbose_name_plural = _("letters received")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.subject

    @property
    def from_name(self) -> str:
        return self.sender.full_name if self.sender_id else self.sender_name

    def clean(self):
        sender = self.sender if self.sender_id else None
        if sender and self.institution_id and sender.institution_id != self.institution_id:
            raise ValidationError({"sender": _("This person is not at that institution.")})
