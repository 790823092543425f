import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from amity.core.bilingual import BilingualName

# Migrations name time_zone_choices here; it lives in the core, below every app.
from amity.core.zones import time_zone_choices


class TimeZoneField(models.CharField):
    """An IANA time zone name, checked against the tz database this Python has."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("choices", time_zone_choices)
        super().__init__(*args, **kwargs)


class InstitutionKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    UNIVERSITY = "university", _("University")
    SOCIETY = "society", _("Society")
    COMPANY = "company", _("Company")
    GOVERNMENT = "government", _("Government")


class PartnershipStatus(models.TextChoices):
    HOME = "home", _("Home institution")
    PROSPECTIVE = "prospective", _("Prospective")
    ACTIVE = "active", _("Active partner")
    DORMANT = "dormant", _("Dormant")
    ENDED = "ended", _("Ended")


class InstitutionQuerySet(models.QuerySet):
    def partners(self):
        return self.exclude(partnership_status=PartnershipStatus.HOME)

    def societies(self):
        return self.filter(kind=InstitutionKind.SOCIETY)


class Institution(models.Model):
    """The home hospital, a partner, or a society. Exactly one is the home institution."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_local = models.CharField(
        _("name in local script"),
        max_length=200,
        blank=True,
        help_text=_("As the institution writes it, e.g. 浙江大学医学院附属儿童医院."),
    )
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = TimeZoneField(_("time zone"))
    website = models.URLField(_("website"), blank=True)
    partnership_status = models.CharField(
        _("partnership status"),
        max_length=20,
        choices=PartnershipStatus.choices,
        default=PartnershipStatus.PROSPECTIVE,
    )
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership_status"],
                condition=models.Q(partnership_status="home"),
                name="directory_single_home_institution",
                violation_error_message=_("There is already a home institution."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=InstitutionKind.values,
                    partnership_status__in=PartnershipStatus.values,
                ),
                name="directory_institution_choices_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:institution_detail", args=[self.pk])

    @property
    def is_home(self) -> bool:
        return self.partnership_status == PartnershipStatus.HOME

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name

    def clean(self):
        if self.partner_since and self.is_home:
            raise ValidationError(
                {"partner_since": _("The home institution is not its own partner.")}
            )


class Department(BilingualName, models.Model):
    """A department of the home hospital (Rehabilitation, Cardiology, …)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_local = models.CharField(_("name in Chinese"), max_length=120, blank=True)
    slug = models.SlugField(_("short code"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("directory:department_detail", args=[self.pk])


class Language(models.Model):
    """A language a person works in. Codes are ISO 639-1 (BCP 47 primary subtags)."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name"]

    def __str__(self) -> str:
        # Names are stored in English and translated through the catalogue.
        from django.utils.translation import gettext

        return gettext(self.name)


class NameOrder(models.TextChoices):
    GIVEN_FIRST = "given_first", _("Given name first (John Smith)")
    FAMILY_FIRST = "family_first", _("Family name first (Fu Junfen)")


def _is_cjk(text: str) -> bool:
    return any(
        unicodedata.name(ch, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))
        for ch in text
    )


class PersonQuerySet(models.QuerySet):
    def with_directory_relations(self):
        return self.select_related("institution", "department").prefetch_related("languages")


class Person(models.Model):
    """Someone in the directory: home staff, partner contacts, invited speakers.

    Names are kept in Latin script and, where there is one, in the local script; the name
    order says how to join them (Chinese names are family name first in both scripts).
    """

    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name_local = models.CharField(
        _("family name in local script"), max_length=100, blank=True
    )
    given_name_local = models.CharField(_("given name in local script"), max_length=100, blank=True)
    name_order = models.CharField(
        _("name order"), max_length=20, choices=NameOrder.choices, default=NameOrder.GIVEN_FIRST
    )
    title = models.CharField(
        pgettext_lazy("person", "title"), max_length=60, blank=True, help_text=_("e.g. Dr., Prof.")
    )
    position = models.CharField(
        _("position"), max_length=200, blank=True, help_text=_("e.g. Director of Rehabilitation")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        help_text=_("Only for people of the home hospital."),
    )
    time_zone = TimeZoneField(_("time zone"))
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), blank=True)
    bio = models.TextField(_("biography"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_person",
        verbose_name=_("login"),
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=~models.Q(email=""),
                name="directory_person_email_unique",
                violation_error_message=_("Someone in the directory already has this email."),
            ),
            models.CheckConstraint(
                condition=models.Q(name_order__in=NameOrder.values),
                name="directory_person_name_order_valid",
            ),
        ]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("directory:person_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        """The Latin-script name in the person's own order: "Junfen Fu" or "Fu Junfen"."""
        parts = [self.given_name, self.family_name]
        if self.name_order == NameOrder.FAMILY_FIRST:
            parts.reverse()
        return " ".join(p for p in parts if p)

    @property
    def local_name(self) -> str:
        """The local-script name: family name first and unspaced for Chinese (傅君芬)."""
        family, given = self.family_name_local, self.given_name_local
        if not (family or given):
            return ""
        if _is_cjk(family + given):
            return f"{family}{given}"
        parts = [family, given] if self.name_order == NameOrder.FAMILY_FIRST else [given, family]
        return " ".join(p for p in parts if p)

    @property
    def formal_name(self) -> str:
        return f"{self.title} {self.full_name}".strip()

    def clean(self):
        errors = {}
        if self.department_id and self.institution_id and not self.institution.is_home:
            errors["department"] = _(
                "Departments belong to the home hospital; leave it empty for people of "
                "other institutions."
            )
        if errors:
            raise ValidationError(errors)


class Experience(models.Model):
    """Time someone studied or worked abroad, e.g. a fellowship at Boston Children's."""

    class Kind(models.TextChoices):
        STUDY = "study", _("Studied")
        WORK = "work", _("Worked")
        VISIT = "visit", _("Visiting scholar")
        FELLOWSHIP = "fellowship", _("Fellowship")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="experiences")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alumni_experiences",
    )
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("If the institution is not in the directory."),
    )
    country = CountryField(_("country"))
    start_year = models.PositiveSmallIntegerField(_("from (year)"))
    end_year = models.PositiveSmallIntegerField(_("until (year)"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("international experience")
        verbose_name_plural = _("international experience")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="directory_experience_years_ordered",
                violation_error_message=_("The end year cannot be before the start year."),
            ),
            models.CheckConstraint(
                condition=models.Q(start_year__gte=1900, start_year__lte=2100),
                name="directory_experience_start_year_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.where}"

    @property
    def where(self) -> str:
        return self.institution.name if self.institution_id else self.place

    def clean(self):
        if not self.institution_id and not self.place:
            raise ValidationError(_("Name the institution or the place."))


class Membership(models.Model):
    """A role someone holds in a society, e.g. Secretary General of APPES."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    society = models.ForeignKey(
        Institution,
        verbose_name=_("society"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=120, help_text=_("e.g. Secretary General, Member")
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("society membership")
        verbose_name_plural = _("society memberships")
        ordering = ["society__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "society", "role"],
                name="directory_membership_unique_role",
                violation_error_message=_("This person already holds this role in this society."),
            ),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True)
                | models.Q(since__isnull=True)
                | models.Q(until__gte=models.F("since")),
                name="directory_membership_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}, {self.society}"

    def clean(self):
        if self.society_id and self.society.kind != InstitutionKind.SOCIETY:
            raise ValidationError({"society": _("Choose a society.")})
