"""Joint research: multi-centre studies, the institutions taking part in them (sites),
each site's ethics approvals and the agreements it signed, enrolment counted per site per
month, and the papers that came of a study.

Amity holds counts and documents *about* studies, never patient-level data: enrolment is
one whole number per site per month, and no field asks for anything about a patient (the
texts a study has are its public-level summary and its identifiers; help texts say "no
patient details"). Protocols and consent forms are shared documents (``sharing``), so their
versions, scopes and download log are the ones every document has.

A partner contact sees a study only when their institution has a site in it, and within it
only their own site (``permissions``): the REDCap data-access-group rule.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amity.core.bilingual import BilingualTitle, in_reader_language
from amity.core.models import ExpiryReminder
from amity.directory.models import Institution, Person
from amity.events.models import Activity
from amity.relations.models import Agreement, AgreementKind
from amity.research.identifiers import validate_doi, validate_registry_id
from amity.sharing.models import Document, Tag

NO_PATIENT_DETAILS = _("No patient details: Amity holds counts and documents about studies only.")


class StudyDesign(models.TextChoices):
    INTERVENTIONAL = "interventional", _("Interventional")
    OBSERVATIONAL = "observational", _("Observational")
    REGISTRY = "registry", _("Registry")
    DIAGNOSTIC = "diagnostic", _("Diagnostic accuracy")
    QUALITATIVE = "qualitative", _("Qualitative")
    OTHER = "other", pgettext_lazy("study design", "Other")


class StudyStatus(models.TextChoices):
    """A study's course, in this order."""

    PLANNING = "planning", pgettext_lazy("study status", "Planning")
    APPROVALS = "approvals", pgettext_lazy("study status", "Ethics approval")
    ENROLLING = "enrolling", pgettext_lazy("study status", "Enrolling")
    FOLLOW_UP = "follow_up", pgettext_lazy("study status", "Follow-up")
    ANALYSIS = "analysis", pgettext_lazy("study status", "Analysis")
    PUBLISHED = "published", pgettext_lazy("study status", "Published")
    CLOSED = "closed", pgettext_lazy("study status", "Closed")


# Statuses in which the study's approvals still matter (reminders go out).
STATUSES_RUNNING = (
    StudyStatus.PLANNING,
    StudyStatus.APPROVALS,
    StudyStatus.ENROLLING,
    StudyStatus.FOLLOW_UP,
    StudyStatus.ANALYSIS,
)


class Study(BilingualTitle, models.Model):
    """A study the hospital leads or takes part in, with its sites in other institutions."""

    title = models.CharField(_("title in English"), max_length=300)
    title_local = models.CharField(_("title in Chinese"), max_length=300, blank=True)
    acronym = models.CharField(
        _("acronym"), max_length=30, blank=True, help_text=_("Short name, e.g. PedCOVID-MC.")
    )
    design = models.CharField(_("design"), max_length=20, choices=StudyDesign.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=StudyStatus.choices, default=StudyStatus.PLANNING
    )
    lead_institution = models.ForeignKey(
        Institution,
        verbose_name=_("lead institution"),
        on_delete=models.PROTECT,
        related_name="studies_led",
    )
    principal_investigator = models.ForeignKey(
        Person,
        verbose_name=_("principal investigator"),
        on_delete=models.PROTECT,
        related_name="studies_led",
    )
    team = models.ManyToManyField(
        Person,
        through="StudyMember",
        verbose_name=_("study team"),
        related_name="research_studies",
        blank=True,
    )
    topics = models.ManyToManyField(
        Tag, verbose_name=_("topics"), related_name="studies", blank=True
    )
    summary = models.TextField(
        _("summary in English"),
        blank=True,
        help_text=_(
            "What the study asks and how, as on its registry page. "
            "No patient details: Amity holds counts and documents about studies only."
        ),
    )
    summary_local = models.TextField(
        _("summary in Chinese"), blank=True, help_text=NO_PATIENT_DETAILS
    )
    target_enrolment = models.PositiveIntegerField(
        _("target enrolment"),
        null=True,
        blank=True,
        help_text=_("Participants the whole study aims to enrol (a count)."),
    )
    start_on = models.DateField(_("starts on"), null=True, blank=True)
    end_on = models.DateField(_("ends on"), null=True, blank=True)
    documents = models.ManyToManyField(
        Document,
        verbose_name=_("documents"),
        related_name="studies",
        blank=True,
        help_text=_("Protocol, consent forms, reports: shared documents with their versions."),
    )
    activities = models.ManyToManyField(
        Activity,
        verbose_name=_("meetings"),
        related_name="studies",
        blank=True,
        help_text=_("The study's calls and meetings, e.g. its weekly call."),
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["acronym"],
                condition=~Q(acronym=""),
                name="research_study_acronym_unique",
                violation_error_message=_("Another study already has this acronym."),
            ),
            models.CheckConstraint(
                condition=Q(design__in=StudyDesign.values) & Q(status__in=StudyStatus.values),
                name="research_study_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(end_on__gte=F("start_on")),
                name="research_study_ends_after_start",
                violation_error_message=_("A study cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        if self.acronym:
            return f"{self.acronym} — {self.display_title}"
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("research:study_detail", args=[self.pk])

    @property
    def display_summary(self) -> str:
        return in_reader_language(self.summary, self.summary_local)

    @property
    def status_step(self) -> int:
        """1-based position of the status in the study's course (for a progress line)."""
        return StudyStatus.values.index(self.status) + 1

    def clean(self):
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("A study cannot end before it starts.")})


class MemberRole(models.TextChoices):
    PI = "pi", _("Principal investigator")
    COORDINATOR = "coordinator", _("Study coordinator")
    STATISTICIAN = "statistician", _("Statistician")
    MEMBER = "member", _("Team member")


class StudyMember(models.Model):
    """Someone of the study's own team (beyond its sites' PIs and coordinators)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="study_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)

    class Meta:
        verbose_name = _("study team member")
        verbose_name_plural = _("study team members")
        ordering = ["study", "role", "person__family_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "person", "role"],
                name="research_member_once_per_role",
                violation_error_message=_("This person already has this role in the study."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=MemberRole.values), name="research_member_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Registry(models.TextChoices):
    CLINICALTRIALS_GOV = "clinicaltrials_gov", "ClinicalTrials.gov"
    CHICTR = "chictr", _("Chinese Clinical Trial Registry (ChiCTR)")
    ISRCTN = "isrctn", "ISRCTN"
    OTHER = "other", pgettext_lazy("registry", "Other")


class RegistryId(models.Model):
    """A study's identifier in a trial registry, checked by its format."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="registry_ids")
    registry = models.CharField(_("registry"), max_length=20, choices=Registry.choices)
    identifier = models.CharField(
        _("identifier"), max_length=100, help_text=_("e.g. NCT04280705 or ChiCTR2000029308.")
    )

    class Meta:
        verbose_name = _("registry identifier")
        verbose_name_plural = _("registry identifiers")
        ordering = ["registry", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "identifier"],
                name="research_registry_id_unique",
                violation_error_message=_("A study already has this identifier."),
            ),
            models.CheckConstraint(
                condition=Q(registry__in=Registry.values), name="research_registry_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.identifier

    def clean(self):
        try:
            self.identifier = validate_registry_id(self.registry, self.identifier)
        except ValidationError as error:
            raise ValidationError({"identifier": error.messages}) from None


class SiteStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    APPROVALS_PENDING = "approvals_pending", _("Approvals pending")
    ACTIVE = "active", pgettext_lazy("research site", "Active")
    CLOSED = "closed", pgettext_lazy("research site", "Closed")


# Kinds of agreement a site links: collaboration and data-sharing terms.
SITE_AGREEMENT_KINDS = (AgreementKind.RESEARCH, AgreementKind.MOU, AgreementKind.OTHER)


class Site(models.Model):
    """An institution taking part in a study (the home hospital, a domestic hospital or an
    overseas partner), with its own PI, coordinator, status and target."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="sites")
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="research_sites",
    )
    site_pi = models.ForeignKey(
        Person,
        verbose_name=_("site principal investigator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="research_sites_as_pi",
    )
    coordinator = models.ForeignKey(
        Person,
        verbose_name=_("site coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="research_sites_coordinated",
        help_text=_("Enters the site's enrolment each month."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SiteStatus.choices, default=SiteStatus.INVITED
    )
    target = models.PositiveIntegerField(
        _("target enrolment"),
        null=True,
        blank=True,
        help_text=_("Participants this site aims to enrol (a count)."),
    )
    agreements = models.ManyToManyField(
        Agreement,
        verbose_name=_("agreements"),
        related_name="research_sites",
        blank=True,
        help_text=_("Collaboration and data-sharing agreements the site signed."),
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["study", "institution__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "institution"],
                name="research_site_once_per_study",
                violation_error_message=_("This institution is already a site of the study."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SiteStatus.values), name="research_site_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} ({self.study.acronym or self.study.display_title})"

    def get_absolute_url(self) -> str:
        return f"{self.study.get_absolute_url()}#site-{self.pk}"


class ApprovalState(models.TextChoices):
    """What a reader sees of an approval, from its dates (never stored)."""

    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expires soon")
    EXPIRED = "expired", _("Expired")


# An approval "expires soon" within this many days (the largest default reminder offset).
EXPIRING_WITHIN_DAYS = 60


class EthicsApprovalQuerySet(models.QuerySet):
    def current(self):
        """Each site's latest approval (by approval date, then id): the one in force."""
        later = EthicsApproval.objects.filter(site=models.OuterRef("site")).filter(
            Q(approved_on__gt=models.OuterRef("approved_on"))
            | Q(approved_on=models.OuterRef("approved_on"), pk__gt=models.OuterRef("pk"))
        )
        return self.filter(~models.Exists(later))


class EthicsApproval(models.Model):
    """A site's approval by an ethics committee (institutional review board), with the
    approved documents. A renewal is a new approval; the latest one is in force."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="approvals")
    committee = models.CharField(
        _("committee"), max_length=250, help_text=_("e.g. Medical Ethics Committee of ZCH.")
    )
    reference = models.CharField(
        _("reference"), max_length=100, help_text=_("The committee's approval number.")
    )
    approved_on = models.DateField(_("approved on"))
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty if it does not expire.")
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("approved document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ethics_approvals",
        help_text=_("The approval letter or the approved protocol, as a shared document."),
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

    objects = EthicsApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("ethics approval")
        verbose_name_plural = _("ethics approvals")
        ordering = ["site", "-approved_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "reference", "approved_on"],
                name="research_approval_once",
                violation_error_message=_("This approval is already recorded for the site."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("approved_on")),
                name="research_approval_expires_after_approval",
                violation_error_message=_("An approval must expire after it was given."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.reference}"

    def state(self, today: date | None = None) -> str:
        """An ``ApprovalState`` value as of ``today``."""
        today = today or timezone.localdate()
        if self.expires_on is None:
            return ApprovalState.VALID
        if self.expires_on < today:
            return ApprovalState.EXPIRED
        if self.expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
            return ApprovalState.EXPIRING
        return ApprovalState.VALID

    @property
    def current_state(self) -> str:
        return self.state()

    def get_current_state_display(self) -> str:
        return ApprovalState(self.current_state).label

    def clean(self):
        if self.approved_on and self.expires_on and self.expires_on <= self.approved_on:
            raise ValidationError({"expires_on": _("An approval must expire after it was given.")})


class ApprovalReminder(ExpiryReminder):
    """That a site's approval was reminded of before it expires: once per approval,
    expiry date and offset (days before). A new expiry date starts afresh."""

    approval = models.ForeignKey(EthicsApproval, on_delete=models.CASCADE, related_name="reminders")

    class Meta(ExpiryReminder.Meta):
        verbose_name = _("approval reminder")
        verbose_name_plural = _("approval reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "expires_on", "days_before"],
                name="research_approval_reminder_once_per_offset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.approval} −{self.days_before} d"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


class Enrolment(models.Model):
    """How many participants a site enrolled in one month: a count, nothing else."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="enrolments")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    count = models.PositiveIntegerField(
        _("participants enrolled"), validators=[MaxValueValidator(100_000)]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolment")
        ordering = ["site", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month"],
                name="research_enrolment_once_per_month",
                violation_error_message=_("This month's enrolment is already entered."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m}: {self.count}"

    def clean(self):
        if self.month and self.month.day != 1:
            self.month = first_of_month(self.month)


class Publication(models.Model):
    """A paper that came of the study."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="publications")
    title = models.CharField(_("title"), max_length=500)
    authors = models.TextField(
        _("authors"), help_text=_("Surname and initials, separated by semicolons: Fu J; Shu Q.")
    )
    journal = models.CharField(_("journal"), max_length=250, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2200)]
    )
    volume = models.CharField(_("volume"), max_length=20, blank=True)
    issue = models.CharField(_("issue"), max_length=20, blank=True)
    pages = models.CharField(_("pages"), max_length=30, blank=True)
    doi = models.CharField(
        _("DOI"), max_length=200, blank=True, help_text=_("e.g. 10.1007/s12519-020-00343-7.")
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "doi"],
                condition=~Q(doi=""),
                name="research_publication_doi_once_per_study",
                violation_error_message=_("This paper is already listed for the study."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.doi:
            try:
                self.doi = validate_doi(self.doi)
            except ValidationError as error:
                raise ValidationError({"doi": error.messages}) from None
