from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amity.directory.models import Department, Institution, Language, Person


class Audience(models.TextChoices):
    DOCTORS = "doctors", _("Doctors")
    NURSES = "nurses", _("Nurses")
    ALLIED_HEALTH = "allied_health", _("Allied health")
    RESEARCHERS = "researchers", _("Researchers")


# Each audience is a boolean column: a course is for one or several of them, and a filter
# is a plain ``WHERE for_nurses`` that SQLite and PostgreSQL both index and answer alike.
AUDIENCE_FIELDS: dict[str, str] = {
    Audience.DOCTORS: "for_doctors",
    Audience.NURSES: "for_nurses",
    Audience.ALLIED_HEALTH: "for_allied_health",
    Audience.RESEARCHERS: "for_researchers",
}


def audience_q(audience: str) -> Q:
    """The condition "the course is for this audience"."""
    return Q(**{AUDIENCE_FIELDS[audience]: True})


class ExternalCourse(models.Model):
    """An online course run by someone else — e.g. OPEN Pediatrics, founded by Boston
    Children's Hospital — that a department or a colleague recommends to the hospital's
    staff. A course is for at least one audience."""

    title = models.CharField(_("title"), max_length=200)
    title_local = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    provider = models.CharField(
        _("provider"), max_length=120, help_text=_("Who runs the course, e.g. OPEN Pediatrics.")
    )
    provider_institution = models.ForeignKey(
        Institution,
        verbose_name=_("provider's institution"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="external_courses",
        help_text=_("The institution behind the provider, if it is in the directory."),
    )
    url = models.URLField(_("link"), max_length=500)
    for_doctors = models.BooleanField(_("for doctors"), default=False)
    for_nurses = models.BooleanField(_("for nurses"), default=False)
    for_allied_health = models.BooleanField(_("for allied health"), default=False)
    for_researchers = models.BooleanField(_("for researchers"), default=False)
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), blank=True)
    description = models.TextField(_("description"), blank=True)
    recommended_by = models.ForeignKey(
        Department,
        verbose_name=_("recommended by (department)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommended_courses",
    )
    recommended_by_person = models.ForeignKey(
        Person,
        verbose_name=_("recommended by (person)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommended_courses",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("external course")
        verbose_name_plural = _("external courses")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "title"],
                name="learning_course_unique_per_provider",
                violation_error_message=_("This provider already has a course with this title."),
            ),
            models.CheckConstraint(
                condition=Q(for_doctors=True)
                | Q(for_nurses=True)
                | Q(for_allied_health=True)
                | Q(for_researchers=True),
                name="learning_course_has_audience",
                violation_error_message=_("Choose at least one audience the course is for."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:course_detail", args=[self.pk])

    @property
    def audiences(self) -> list[Audience]:
        return [audience for audience, field in AUDIENCE_FIELDS.items() if getattr(self, field)]

    @property
    def audience_labels(self) -> list[str]:
        return [Audience(audience).label for audience in self.audiences]


class CourseCompletion(models.Model):
    """Someone of the home hospital says they completed an external course. A person
    completes a course at most once; recording it again changes the date or the note."""

    course = models.ForeignKey(ExternalCourse, on_delete=models.CASCADE, related_name="completions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="course_completions")
    completed_on = models.DateField(_("completed on"))
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("Optional: a certificate number, or what was most useful."),
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        ordering = ["-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "person"],
                name="learning_completion_once_per_person",
                violation_error_message=_("This person has already completed this course."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.course}"

    def clean(self):
        errors = {}
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = _("The completion date cannot be in the future.")
        if self.person_id and not self.person.institution.is_home:
            errors["person"] = _("Only people of the home hospital record completed courses.")
        if errors:
            raise ValidationError(errors)
