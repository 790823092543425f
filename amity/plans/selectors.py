"""Reads for exchange plans: the lists behind the pages, always starting from what the
user may see (``permissions``)."""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from amity.accounts.models import User
from amity.plans.models import ExchangePlan, PlanStatus
from amity.plans.permissions import plans_visible_to


@dataclass(frozen=True)
class PlanFilters:
    q: str = ""
    status: str = ""
    department: int | None = None


# Plans are listed in the order they move: ideas first, closed ones last.
STATUS_ORDER = Case(
    *[When(status=value, then=Value(index)) for index, value in enumerate(PlanStatus.values)],
    output_field=IntegerField(),
)


def plan_list(*, user: User, filters: PlanFilters) -> QuerySet[ExchangePlan]:
    qs = plans_visible_to(user)
    for term in filters.q.split():
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(notes__icontains=term)
            | Q(partner__name__icontains=term)
            | Q(partner__short_name__icontains=term)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    return qs.select_related("department", "partner", "owner", "activity").order_by(
        STATUS_ORDER, "department__name", "title", "pk"
    )


def plan_status_counts(*, user: User, department: int | None = None) -> list[dict]:
    """How many plans the user can see are at each status, in status order (zeros too)."""
    qs = plans_visible_to(user)
    if department:
        qs = qs.filter(department_id=department)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": status, "label": status.label, "count": counts.get(status.value, 0)}
        for status in PlanStatus
    ]
