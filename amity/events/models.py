import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amity.core.bilingual import BilingualTitle
from amity.directory.models import Department, Institution, Language, Person, TimeZoneField


class ActivityKind(models.TextChoices):
    FORUM = "forum", _("Forum or conference")
    LECTURE = "lecture", _("Lecture")
    WEBINAR = "webinar", _("Webinar")
    CALL = "call", _("Call")
    CLASSROOM = "classroom", _("Virtual classroom")
    SERIES = "series", _("Lecture series")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    STAFF = "staff", _("Hospital staff")
    PARTNERS = "partners", _("Staff and partner institutions")
    INVITED = "invited", _("Invited people only")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class VideoProvider(models.TextChoices):
    ZOOM = "zoom", _("Zoom")
    TENCENT = "tencent", _("Tencent Meeting")
    JITSI = "jitsi", _("Jitsi Meet")
    OTHER = "other", _("Other")


class Activity(BilingualTitle, models.Model):
    """An exchange: a forum, a lecture, a webinar, a call, a virtual classroom or a
    lecture series. Its sessions carry the times; ``time_zone`` is the organiser's zone,
    the one recurrences keep their wall-clock time in."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    title_local = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("organising department"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    partners = models.ManyToManyField(
        Institution, verbose_name=_("partner institutions"), blank=True, related_name="activities"
    )
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.STAFF
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    time_zone = TimeZoneField(_("organiser's time zone"), default="Asia/Shanghai")
    video_provider = models.CharField(
        _("video provider"), max_length=20, choices=VideoProvider.choices, blank=True
    )
    video_url = models.URLField(_("video meeting link"), blank=True)
    dial_in = models.TextField(
        _("dial-in details"), blank=True, help_text=_("Meeting ID, passcode, phone numbers.")
    )
    expected_audience = models.PositiveIntegerField(_("expected audience"), null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values)
                & Q(visibility__in=Visibility.values)
                & Q(status__in=ActivityStatus.values),
                name="events_activity_choices_valid",
            )
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("events:activity_detail", args=[self.pk])

    def get_feed_url(self) -> str:
        return reverse("events:activity_feed", args=[self.uid])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class ParticipantRole(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    PARTICIPANT = "participant", _("Participant")
    ENROLLED = "enrolled", _("Enrolled")


class Participation(models.Model):
    """Someone who takes part in an activity as a whole (organiser, enrolled in a
    classroom, member of a call). Speakers are per session (``SessionSpeaker``)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=ParticipantRole.choices,
        default=ParticipantRole.PARTICIPANT,
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"], name="events_participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Series(models.Model):
    """A recurrence: RFC 5545 RRULE from a wall-clock start in ``time_zone``. Its
    occurrences are stored as sessions, each remembering which occurrence it is
    (``recurrence_id``) so that one can be moved or cancelled on its own."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(_("title"), max_length=200, blank=True)
    start_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time (wall clock)"))
    time_zone = TimeZoneField(_("time zone"))
    rrule = models.CharField(_("recurrence rule"), max_length=300)
    duration_minutes = models.PositiveIntegerField(_("length (minutes)"))
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recurring series")
        verbose_name_plural = _("recurring series")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="events_series_duration_sane",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.activity.title

    @property
    def wall_start(self) -> datetime:
        """The naive wall-clock start (the DTSTART with its TZID)."""
        return datetime.combine(self.start_date, self.start_time)


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class SessionQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now())

    def with_activity(self):
        return self.select_related("activity", "activity__department", "series")


class Session(models.Model):
    """One meeting: a single session, or one occurrence of a series. ``starts_at`` and
    ``ends_at`` are UTC instants; ``time_zone`` is the zone it was planned in."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="sessions", null=True, blank=True
    )
    recurrence_id = models.DateTimeField(
        null=True, blank=True, help_text=_("The occurrence of the series this session is.")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    time_zone = TimeZoneField(_("time zone"))
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    recording_url = models.URLField(_("recording"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="events_session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(recurrence_id__isnull=False),
                name="events_session_occurrence_has_id",
            ),
            models.UniqueConstraint(
                fields=["series", "recurrence_id"], name="events_session_one_per_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.activity.title

    def get_feed_url(self) -> str:
        return reverse("events:session_feed", args=[self.uid])

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_moved(self) -> bool:
        return self.recurrence_id is not None and self.recurrence_id != self.starts_at

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def local_start(self):
        return self.starts_at.astimezone(ZoneInfo(self.time_zone))

    @property
    def display_title(self) -> str:
        return self.title or self.activity.display_title


class SpeakerRole(models.TextChoices):
    KEYNOTE = "keynote", _("Keynote speaker")
    SPEAKER = "speaker", _("Speaker")
    MODERATOR = "moderator", _("Moderator")


class SessionSpeaker(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="speakers")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="talks")
    role = models.CharField(
        _("role"), max_length=20, choices=SpeakerRole.choices, default=SpeakerRole.SPEAKER
    )
    talk_title = models.CharField(_("talk title"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person", "role"], name="events_speaker_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Material(models.Model):
    """Slides, papers or links for an activity or one of its sessions."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="materials")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="materials", null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="materials/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(file=""),
                name="events_material_has_content",
                violation_error_message=_("Give a link or upload a file."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether someone took part in one session (virtual classrooms take it per session)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("present"), default=True)
    minutes = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="events_attendance_unique")
        ]
        # The reports count who was present at the sessions of a period from the index alone.
        indexes = [
            models.Index(fields=["session", "present", "person"], name="events_attend_report_idx")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class CalendarToken(models.Model):
    """The secret in a person's personal calendar-feed URL. Revoking it (or making a new
    one) stops the old URL at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")

    def __str__(self) -> str:
        return f"{self.user} ({self.key[:6]}…)"
