from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amity.directory.models import Department, Institution, Person
from amity.events.models import Activity, ActivityKind


class PlanStatus(models.TextChoices):
    """In the order a plan goes through them."""

    IDEA = "idea", _("Idea")
    PREPARING = "preparing", _("Preparing")
    AGREED = "agreed", _("Agreed")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


# Once a plan has turned into a real activity it is running, or closed when it is over.
STATUSES_WITH_ACTIVITY = [PlanStatus.RUNNING, PlanStatus.CLOSED]


class ExchangePlan(models.Model):
    """What a department intends to do with a partner before it is a real activity, e.g.
    "Stomatology online exchange with Great Ormond Street". Starting it creates the
    activity (``services.plan_start_activity``) and links it here."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="exchange_plans",
    )
    title = models.CharField(_("title"), max_length=200)
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_plans",
    )
    kind = models.CharField(_("kind of exchange"), max_length=20, choices=ActivityKind.choices)
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_plans",
        help_text=_("Who moves the plan forward."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.IDEA
    )
    notes = models.TextField(_("notes"), blank=True)
    target_start = models.DateField(_("target start"), null=True, blank=True)
    # One plan becomes at most one activity, and an activity comes from at most one plan.
    activity = models.OneToOneField(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_plan",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("exchange plan")
        verbose_name_plural = _("exchange plans")
        ordering = ["department__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values) & Q(kind__in=ActivityKind.values),
                name="plans_plan_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | Q(status__in=STATUSES_WITH_ACTIVITY),
                name="plans_plan_with_activity_is_running_or_closed",
                violation_error_message=_(
                    "This plan has become an activity: its status can only be running or closed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def can_start(self) -> bool:
        """Whether the plan can still become an activity."""
        return self.activity_id is None and self.status != PlanStatus.CLOSED

    def clean(self):
        errors = {}
        if self.partner_id and self.partner.is_home:
            errors["partner"] = _("Choose a partner institution, not the home hospital.")
        if self.owner_id and not self.owner.institution.is_home:
            errors["owner"] = _("The owner must be someone of the home hospital.")
        if errors:
            raise ValidationError(errors)
