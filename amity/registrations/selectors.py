"""Reads for the organiser's view of registrants."""

from dataclasses import asdict, dataclass, fields

from django.db.models import Count, Q, QuerySet

from amity.events.models import Activity
from amity.registrations.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class RegistrantFilters:
    q: str = ""
    status: str = ""
    country: str = ""
    profession: str = ""
    institution: str = ""
    delivery: str = ""

    @classmethod
    def from_dict(cls, data) -> "RegistrantFilters":
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


def waiting_list(activity: Activity, limit: int = 50) -> list[Registration]:
    return list(Registration.objects.filter(activity=activity).waiting()[:limit])


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
