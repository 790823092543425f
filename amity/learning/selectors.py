"""Reads for external courses: the lists behind the pages, always starting from what the
user may see (``permissions``)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from amity.accounts.models import User
from amity.directory.models import Person
from amity.learning.models import AUDIENCE_FIELDS, CourseCompletion, ExternalCourse, audience_q
from amity.learning.permissions import courses_visible_to


@dataclass(frozen=True)
class CourseFilters:
    q: str = ""
    audience: str = ""
    department: int | None = None
    provider: str = ""


def course_list(*, user: User, filters: CourseFilters) -> QuerySet[ExternalCourse]:
    """The catalogue: every search term must match the title (in either language), the
    provider, the description or the recommending person's name."""
    qs = courses_visible_to(user)
    for term in filters.q.split():
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(title_local__icontains=term)
            | Q(provider__icontains=term)
            | Q(description__icontains=term)
            | Q(recommended_by_person__family_name__icontains=term)
            | Q(recommended_by_person__given_name__icontains=term)
        )
    if filters.audience in AUDIENCE_FIELDS:
        qs = qs.filter(audience_q(filters.audience))
    if filters.department:
        qs = qs.filter(recommended_by_id=filters.department)
    if filters.provider:
        qs = qs.filter(provider=filters.provider)
    return (
        qs.select_related("provider_institution", "recommended_by", "recommended_by_person")
        .prefetch_related("languages")
        .annotate(completion_count=Count("completions"))
        .order_by("title", "pk")
    )


def course_providers(*, user: User) -> list[str]:
    """Provider names that occur among the courses the user can see, for the filter."""
    return sorted(courses_visible_to(user).order_by().values_list("provider", flat=True).distinct())


def course_completions(*, course: ExternalCourse) -> QuerySet[CourseCompletion]:
    return (
        CourseCompletion.objects.filter(course=course)
        .select_related("person", "person__department")
        .order_by("-completed_on", "person__family_name", "pk")
    )


def completion_for(*, course: ExternalCourse, person: Person | None) -> CourseCompletion | None:
    if person is None:
        return None
    return CourseCompletion.objects.filter(course=course, person=person).first()
