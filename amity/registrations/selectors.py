"""Reads for the organiser's view of registrants."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django_countries import countries

from amity.accounts.models import User
from amity.core.prepared import PreparedRead
from amity.events import permissions as event_permissions
from amity.events.models import Activity
from amity.registrations.models import Profession, Question, Registration, RegistrationStatus


def _activity_with_questions(user: User | AnonymousUser, pk: int) -> QuerySet[Activity]:
    return (
        event_permissions.activities_visible_to(user)
        .annotate(has_questions=Exists(Question.objects.filter(activity=OuterRef("pk"))))
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
    return activity


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
    return qs.select_related("confirmation")


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
