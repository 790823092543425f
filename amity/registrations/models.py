"""Registration for an activity by anyone (no account needed), with an optional limit, a
first-come waiting list, emails, attendance and certificates."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from amity.core.models import OutboundEmail
from amity.events.models import Activity, Session
from amity.registrations.links import self_service_token


def default_reminders() -> list[int]:
    """Minutes before each session: 24 hours and 1 hour."""
    return [24 * 60, 60]


class RegistrationSettings(models.Model):
    """How people register for one activity."""

    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="registration_settings"
    )
    is_open = models.BooleanField(_("registration open"), default=True)
    closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    reminder_minutes = models.JSONField(
        _("reminders (minutes before each session)"), default=default_reminders, blank=True
    )
    certificate_minimum_minutes = models.PositiveIntegerField(
        _("minutes needed for a certificate"), default=30
    )
    retention_days = models.PositiveIntegerField(
        _("keep personal data for (days after the last session)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    offer_hours = models.PositiveIntegerField(
        _("hours to answer an offered place"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text=_(
            "Leave empty to give a freed place straight to the first person waiting. "
            "Otherwise they are offered it and must accept within these hours (less when "
            "the activity starts sooner); unanswered, it passes to the next person."
        ),
    )
    # Whether the activity has ways in (a room, livestreams) to assign confirmed people to:
    # read under the lock with the rest, so an activity without them pays nothing.
    has_ways_in = models.BooleanField(default=False, editable=False)
    privacy_notice = models.TextField(
        _("note on personal data for this activity"),
        blank=True,
        help_text=_(
            "Shown under the office's privacy notice on the form, e.g. who else sees the "
            "list of registrants."
        ),
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")

    def __str__(self) -> str:
        return str(self.activity)

    def accepting_now(self) -> bool:
        return self.is_open and (self.closes_at is None or timezone.now() < self.closes_at)


class PrivacyNotice(models.Model):
    """One version of the privacy notice registrants agree to, in English and Chinese.
    The office publishes a new version rather than editing one: each registration keeps
    the version it accepted (PIPL art. 14, 17). The one in effect is the latest whose
    ``effective_at`` has come."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("notice in English"))
    text_local = models.TextField(_("notice in Chinese"))
    effective_at = models.DateTimeField(_("in effect from"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="registrations_notice_version_positive"
            )
        ]

    def __str__(self) -> str:
        return str(_("Privacy notice, version %(version)s") % {"version": self.version})


class Question(models.Model):
    """An extra question an organiser asks on the registration form."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short answer")
        CHOICE = "choice", _("One of a list")
        YES_NO = "yes_no", _("Yes or no")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="registration_questions"
    )
    label = models.CharField(_("question"), max_length=200)
    label_local = models.CharField(_("question in Chinese"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(_("choices (one per line)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    sensitive = models.BooleanField(
        _("asks for sensitive personal information"),
        default=False,
        help_text=_(
            "Health data, religion, biometrics, financial accounts, whereabouts, or anything "
            "about a child under 14: registrants answer it only after a separate consent."
        ),
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order on a list", "position"), default=0
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Profession(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse")
    THERAPIST = "therapist", _("Therapist")
    PHARMACIST = "pharmacist", _("Pharmacist")
    RESEARCHER = "researcher", _("Researcher")
    STUDENT = "student", _("Student or trainee")
    ADMINISTRATOR = "administrator", _("Administrator")
    OTHER = "other", _("Other")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class WayInKind(models.TextChoices):
    ROOM = "room", _("Meeting room")
    STREAM = "stream", _("Livestream")


class RoomPriority(models.TextChoices):
    STANDARD = (
        "standard",
        _("Speakers and partner contacts, then invited institutions, then first come"),
    )
    FIRST_COME = "first_come", _("First come, first served")


class WayIn(models.Model):
    """One way to take part in an activity: its meeting room (a platform, a join link, a
    limit of people) or a livestream (a platform and a URL, no limit). Kept per activity,
    not per session: a registration holds a place for the whole activity, and all its
    sessions use the same room. At most one room per activity (a database constraint)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="ways_in")
    kind = models.CharField(_("kind"), max_length=10, choices=WayInKind.choices)
    platform = models.CharField(
        _("platform"),
        max_length=100,
        help_text=_("E.g. Tencent Meeting, Zoom, the hospital streaming server, bilibili."),
    )
    url = models.URLField(_("link"), max_length=500)
    capacity = models.PositiveIntegerField(
        _("room limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How many people the room holds; empty for no limit (rooms only)."),
    )
    details = models.TextField(
        _("details"),
        blank=True,
        help_text=_("Meeting ID and passcode, or how viewers of the stream ask questions."),
    )
    priority = models.CharField(
        _("who gets the room first"),
        max_length=20,
        choices=RoomPriority.choices,
        default=RoomPriority.STANDARD,
    )
    invited_institutions = models.TextField(_("invited institutions (one per line)"), blank=True)
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order on a list", "position"), default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["activity", "kind", "position", "pk"]
        verbose_name = _("way to take part")
        verbose_name_plural = _("ways to take part")
        constraints = [
            models.UniqueConstraint(
                fields=["activity"],
                condition=Q(kind="room"),
                name="registrations_one_room_per_activity",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["room", "stream"])
                & (Q(kind="room") | Q(capacity__isnull=True)),
                name="registrations_way_in_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.platform}"

    @property
    def is_room(self) -> bool:
        return self.kind == WayInKind.ROOM

    @property
    def invited(self) -> set[str]:
        return {
            line.strip().casefold()
            for line in self.invited_institutions.splitlines()
            if line.strip()
        }


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waiting(self):
        return self.filter(status=RegistrationStatus.WAITING).order_by("queued_at", "pk")


class Registration(models.Model):
    """One person's place (or place in the queue) for one activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), max_length=254)
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    name_local = models.CharField(_("name in local script"), max_length=100, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    profession = models.CharField(
        _("profession"), max_length=20, choices=Profession.choices, blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("language"), max_length=10, default="en")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    consent_at = models.DateTimeField(_("consented to the privacy notice"))
    notice = models.ForeignKey(
        PrivacyNotice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("privacy notice accepted"),
    )
    # Each separate consent: None when it was not asked (no sensitive question; no partner
    # abroad), else the answer and when it was given.
    sensitive_consent = models.BooleanField(
        _("consented to processing sensitive personal information"), null=True, blank=True
    )
    sensitive_consent_at = models.DateTimeField(null=True, blank=True)
    transfer_consent = models.BooleanField(
        _("consented to providing the data to the partner abroad"), null=True, blank=True
    )
    transfer_consent_at = models.DateTimeField(null=True, blank=True)
    # The partners abroad (name and country) the transfer consent was asked about.
    transfer_recipients = models.JSONField(default=list, blank=True)
    # When this address last got its link because someone registered it again.
    link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    # Place in the waiting list: the time of joining it (re-joining goes to the back).
    queued_at = models.DateTimeField(default=timezone.now, editable=False)
    promoted_at = models.DateTimeField(_("moved from the waiting list"), null=True, blank=True)
    # The room or livestream this confirmed registrant takes part by (None: the activity
    # has no ways in, or the registration is not confirmed); see amity.registrations.rooms.
    way_in = models.ForeignKey(
        WayIn,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("way to take part"),
    )
    way_in_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    checked_in = models.BooleanField(_("checked in by hand"), default=False)
    minutes_attended = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    confirmation = models.ForeignKey(
        OutboundEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmation email"),
    )
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    # The random key of the form (or API call) that made it: a second submit of the same
    # form is recognised as the same person and shown their registration.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "email"],
                condition=~Q(email=""),
                name="registrations_one_per_email",
            )
        ]
        indexes = [
            models.Index(fields=["activity", "status"], name="registrations_by_status"),
            # The reports group an activity's confirmed registrants by country, profession
            # and attendance from the index alone.
            models.Index(
                fields=[
                    "activity",
                    "status",
                    "country",
                    "profession",
                    "checked_in",
                    "minutes_attended",
                ],
                name="registrations_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def get_absolute_url(self) -> str:
        return reverse("registrations:self", args=[self_service_token(self)])

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return str(_("(erased)"))
        latin = " ".join(part for part in (self.given_name, self.family_name) if part)
        if self.name_local and self.name_local != latin:
            return f"{self.name_local} ({latin})" if latin else self.name_local
        return latin


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    WAITING = "waiting", _("Waiting list")
    PROMOTION = "promotion", _("Place offered from the waiting list")
    REMINDER = "reminder", _("Reminder")
    CANCELLATION = "cancellation", _("Cancellation")
    CERTIFICATE = "certificate", _("Certificate")
    ANNOUNCEMENT = "announcement", _("Message from the organisers")
    LINK = "link", _("Link to an existing registration")
    WAY_IN = "way_in", _("Your way to take part changed")
    OFFER = "offer", _("A place offered for a limited time")
    OFFER_EXPIRED = "offer_expired", _("An offered place expired")


class RegistrationEmail(models.Model):
    """Which email a registrant was sent, and why: at most one of each kind per occasion
    (the ``key``), so that a task run twice sends nothing twice."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    key = models.CharField(max_length=80, blank=True)
    email = models.ForeignKey(OutboundEmail, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "key"], name="registrations_email_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}".strip()


class Announcement(models.Model):
    """A message from the organisers to all registrants or to a filter of them."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="announcements")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class AttendancePlatform(models.TextChoices):
    ROOM = "room", _("Meeting room")
    STREAM = "stream", _("Livestream")


class AttendanceImport(models.Model):
    """One attendance report read into an activity, with what matched and what did not."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attendance_imports"
    )
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(_("source"), max_length=20)
    filename = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    matched = models.PositiveIntegerField(_("registrants matched"), default=0)
    report = models.JSONField(default=list, blank=True)
    # Registrant id → minutes this report counts for them.
    minutes = models.JSONField(default=dict, blank=True)
    # The way in the report covers: the session's room (Zoom, Tencent Meeting) or one of
    # its livestreams; reports of several ways into one session are merged per person
    # (see ``attendance_merge``).
    platform = models.CharField(
        _("way in"), max_length=10, choices=AttendancePlatform.choices, default="room"
    )
    platform_name = models.CharField(
        _("platform"),
        max_length=100,
        blank=True,
        help_text=_("E.g. WeChat Channels or bilibili: two streams of one session apart."),
    )
    # Person key ("r<registrant id>", "e:<email>", "p:<phone>", "n:<name>") → the time
    # the report shows them: {"s": [[start, end], …] (epoch seconds), "t": minutes of
    # those intervals, "l": minutes without times}.
    people = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def source_label(self) -> str:
        """The service that wrote the report, by name ("Tencent Meeting", not "tencent")."""
        labels = {"zoom": "Zoom", "tencent": _("Tencent Meeting"), "generic": _("Other table")}
        return str(labels.get(self.source, self.source))


class Certificate(models.Model):
    """A certificate of attendance; its code is printed on the PDF and checked publicly."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    minutes = models.PositiveIntegerField(_("minutes attended"))
    file = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("registrations:verify", args=[self.code])


class ScheduledReminder(models.Model):
    """A reminder queued for a session, this many minutes before it starts at
    ``starts_at``: written in the same transaction as its task, so each reminder is queued
    once per session, offset and start (a moved session gets its own)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "minutes", "starts_at"], name="reminder_once_per_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.minutes}:{self.starts_at.isoformat()}"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Offer(models.Model):
    """A freed place offered to someone on the waiting list until ``expires_at``. While
    pending, the place is held for them (it counts against the activity's places); at
    most one pending offer per registration (a database constraint)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="offers")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="offers")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered or expired"), null=True, blank=True)

    class Meta:
        ordering = ["offered_at", "pk"]
        verbose_name = _("offered place")
        verbose_name_plural = _("offered places")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="pending"),
                name="registrations_one_pending_offer",
            )
        ]
        indexes = [
            models.Index(fields=["activity", "status"], name="registrations_offer_status"),
            models.Index(fields=["status", "expires_at"], name="registrations_offer_due"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("registrations:offer", args=[self.token])


class GroupLink(models.Model):
    """A one-time link with which someone outside the hospital registers a team of one
    institution for one activity. Only a hash of its token is kept: the link is shown
    once, to the organiser who makes it. It works until it expires, is revoked, or has
    been used for one submission."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="group_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    institution = models.ForeignKey(
        "directory.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    label = models.CharField(
        _("team"), max_length=200, help_text=_("E.g. Wuhan Children's Hospital, Cardiology.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group registration link")
        verbose_name_plural = _("group registration links")

    def __str__(self) -> str:
        return self.label

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class GroupSubmission(models.Model):
    """One team registered at once: who sent the table, for which institution, and the
    registrations it made (each an ordinary registration with its own link)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="group_submissions"
    )
    link = models.OneToOneField(
        GroupLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="submission"
    )
    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("team"), max_length=200)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    rows = models.PositiveIntegerField(_("people in the table"), default=0)
    confirmed = models.PositiveIntegerField(_("confirmed"), default=0)
    waiting = models.PositiveIntegerField(_("on the waiting list"), default=0)
    already = models.PositiveIntegerField(_("already registered"), default=0)
    registrations = models.ManyToManyField(Registration, related_name="group_submissions")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group registration")
        verbose_name_plural = _("group registrations")

    def __str__(self) -> str:
        return self.label
