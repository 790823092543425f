"""Reads for the organiser's view of registrants."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_countries import countries

from amity.accounts.models import User
from amity.core.prepared import PreparedRead
from amity.directory.models import Institution, PartnershipStatus
from amity.events import permissions as event_permissions
from amity.events.models import Activity
from amity.registrations.models import (
    PrivacyNotice,
    Profession,
    Question,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)


def _home_country() -> Coalesce:
    """The home institution's country, as an expression ("" when there is none: then
    every partner counts as abroad, so that the consent is asked rather than skipped)."""
    home = Institution.objects.filter(partnership_status=PartnershipStatus.HOME).values("country")[
        :1
    ]
    return Coalesce(Subquery(home), Value(""))


def partners_abroad_of(activity: Activity) -> QuerySet[Institution]:
    """The activity's partner institutions in another country than the home hospital's:
    registrants are asked separately before their data is provided to them (PIPL art. 39)."""
    return activity.partners.exclude(country=_home_country()).order_by("name")


def _activity_with_questions(user: User | AnonymousUser, pk: int) -> QuerySet[Activity]:
    abroad = Activity.partners.through.objects.filter(activity=OuterRef("pk")).exclude(
        institution__country=_home_country()
    )
    return (
        event_permissions.activities_visible_to(user)
        .annotate(
            has_questions=Exists(Question.objects.filter(activity=OuterRef("pk"))),
            has_partners_abroad=Exists(abroad),
        )
        .filter(pk=pk)
    )


# What a visitor who is not logged in may register for: the burst's read, compiled once.
_PUBLIC_ACTIVITY = PreparedRead(lambda pk: _activity_with_questions(AnonymousUser(), pk))


def activity_to_register_for(user: User | AnonymousUser, pk: int) -> Activity | None:
    """The activity ``user`` may see, for registering (None if there is none), knowing
    whether it asks questions: registration is the hot path of a burst, and most
    activities ask none, so ``questions_of`` then needs no query."""
    if user.is_authenticated:
        return _activity_with_questions(user, pk).first()
    activity = _PUBLIC_ACTIVITY.get(pk)
    if activity is not None:
        activity.has_questions = bool(activity.has_questions)  # SQLite gives 0 or 1
        activity.has_partners_abroad = bool(activity.has_partners_abroad)
    return activity


def partners_abroad(activity: Activity) -> list[Institution]:
    """``partners_abroad_of``, without a query when the activity is known to have none."""
    if getattr(activity, "has_partners_abroad", True) is False:
        return []
    return list(partners_abroad_of(activity))


def retention_ends(settings_row: RegistrationSettings) -> datetime | None:
    """When the activity's registrants' personal data is due to be erased: the retention
    period after its last session (None while it has no sessions)."""
    last = settings_row.activity.sessions.aggregate(last=Max("ends_at"))["last"]
    return last + timedelta(days=settings_row.retention_days) if last else None


def retention_ended(activity: Activity) -> bool:
    """Whether the activity's registrants' data is erased or due to be (its retention
    period is over, whether or not ``erase_expired`` has run yet)."""
    settings_row = (
        RegistrationSettings.objects.select_related("activity").filter(activity=activity).first()
    )
    if settings_row is None:
        return False
    if settings_row.erased_at:
        return True
    due = retention_ends(settings_row)
    return due is not None and due <= timezone.now()


def questions_of(activity: Activity) -> list[Question]:
    """The activity's registration questions, in order."""
    if getattr(activity, "has_questions", True) is False:
        return []
    return list(activity.registration_questions.all())


@dataclass(frozen=True)
class RegistrantFilters:
    q: str = ""
    status: str = ""
    country: str = ""
    profession: str = ""
    institution: str = ""
    delivery: str = ""
    # Consents: "yes", "no" or "unasked" (the question was not on the form).
    sensitive: str = ""
    transfer: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RegistrantFilters":
        names = {f.name for f in fields(cls)}
        return cls(**{k: str(data.get(k, "")).strip() for k in names if data.get(k)})

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}


def registrants(activity: Activity, filters: RegistrantFilters) -> QuerySet[Registration]:
    qs = Registration.objects.filter(activity=activity)
    if filters.q:
        for word in filters.q.split():
            qs = qs.filter(
                Q(family_name__icontains=word)
                | Q(given_name__icontains=word)
                | Q(name_local__icontains=word)
                | Q(email__icontains=word)
                | Q(institution__icontains=word)
            )
    if filters.status in RegistrationStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.profession:
        qs = qs.filter(profession=filters.profession)
    if filters.institution:
        qs = qs.filter(institution=filters.institution)
    if filters.delivery == "none":
        qs = qs.filter(confirmation__isnull=True)
    elif filters.delivery:
        qs = qs.filter(confirmation__status=filters.delivery)
    for field, wanted in (
        ("sensitive_consent", filters.sensitive),
        ("transfer_consent", filters.transfer),
    ):
        if wanted in _CONSENT_VALUES:
            qs = qs.filter(
                **{f"{field}__isnull": True} if wanted == "unasked" else {field: wanted == "yes"}
            )
    return qs.select_related("confirmation", "notice")


_CONSENT_VALUES = {"yes", "no", "unasked"}


def for_partner_abroad(qs: QuerySet[Registration]) -> QuerySet[Registration]:
    """Only the registrants who consented to their data being provided to the partner
    abroad: who refused, or was never asked (the partner was added after they
    registered), is left out of anything meant for the partner."""
    return qs.filter(transfer_consent=True)


def status_counts(activity: Activity) -> dict[str, int]:
    rows = (
        Registration.objects.filter(activity=activity)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(RegistrationStatus.values, 0)
    counts.update(dict(rows))
    return counts


def breakdown(qs: QuerySet[Registration], field: str, limit: int = 12) -> list[tuple[str, int]]:
    """The most common values of ``field`` among active registrants, with counts."""
    rows = (
        qs.exclude(status=RegistrationStatus.CANCELLED)
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n", field)[:limit]
    )
    return [(row[field], row["n"]) for row in rows]


def labelled_breakdown(
    qs: QuerySet[Registration], field: str, limit: int = 12
) -> list[tuple[str, str, int]]:
    """``breakdown`` with each value's name for a person: (value, label, count). Countries
    and professions read as names in the interface language ("China", "Physician")."""
    label = {"country": countries.name, "profession": _profession_name}.get(field, str)
    return [(value, label(value) if value else "", n) for value, n in breakdown(qs, field, limit)]


def _profession_name(value: str) -> str:
    return str(dict(Profession.choices).get(value, value))


def country_choices(activity: Activity) -> list[tuple[str, str]]:
    """The countries the activity's registrants come from, by name, to filter by."""
    codes = (
        Registration.objects.filter(activity=activity)
        .exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])


def waiting_list(activity: Activity, limit: int = 50) -> list[Registration]:
    return list(Registration.objects.filter(activity=activity).waiting()[:limit])


def registration_of(activity: Activity, user: User) -> Registration | None:
    """The signed-in ``user``'s own registration for ``activity`` that is not cancelled."""
    return (
        Registration.objects.filter(activity=activity, user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def waiting_position(registration: Registration) -> int | None:
    """1 for the first person waiting; None for anyone not on the waiting list."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return (
        Registration.objects.filter(activity_id=registration.activity_id)
        .waiting()
        .filter(
            Q(queued_at__lt=registration.queued_at)
            | Q(queued_at=registration.queued_at, pk__lte=registration.pk)
        )
        .count()
    )


def privacy_notices() -> list[PrivacyNotice]:
    """Every version of the privacy notice, newest first, with how many registrations
    accepted each."""
    accepted = (
        Registration.objects.filter(notice=OuterRef("pk"))
        .order_by()
        .values("notice")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        PrivacyNotice.objects.select_related("published_by")
        .annotate(accepted=Coalesce(Subquery(accepted), Value(0)))
        .order_by("-version")
    )
