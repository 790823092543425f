"""Reads for the directory: the lists behind the pages and the API, always starting from
what the user may see (``permissions``)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from amity.accounts.models import User
from amity.directory.models import Department, Experience, Institution, Membership, Person
from amity.directory.permissions import (
    departments_visible_to,
    institutions_visible_to,
    people_visible_to,
)


@dataclass(frozen=True)
class InstitutionFilters:
    q: str = ""
    kind: str = ""
    country: str = ""
    status: str = ""


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    institution: int | None = None
    department: int | None = None
    country: str = ""
    language: str = ""
    abroad: bool = False


def institution_list(*, user: User, filters: InstitutionFilters) -> QuerySet[Institution]:
    qs = institutions_visible_to(user).annotate(people_count=Count("people", distinct=True))
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(name_local__icontains=filters.q)
            | Q(short_name__icontains=filters.q)
            | Q(city__icontains=filters.q)
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.status:
        qs = qs.filter(partnership_status=filters.status)
    return qs.order_by("name")


def institution_countries(*, user: User) -> list[str]:
    """Country codes that occur among the institutions the user can see, for the filter."""
    return sorted(
        institutions_visible_to(user).order_by().values_list("country", flat=True).distinct()
    )


def person_list(*, user: User, filters: PersonFilters) -> QuerySet[Person]:
    qs = people_visible_to(user).with_directory_relations()
    if filters.q:
        terms = filters.q.split()
        for term in terms:
            qs = qs.filter(
                Q(family_name__icontains=term)
                | Q(given_name__icontains=term)
                | Q(family_name_local__icontains=term)
                | Q(given_name_local__icontains=term)
                | Q(email__icontains=term)
                | Q(position__icontains=term)
                | Q(institution__name__icontains=term)
                | Q(institution__short_name__icontains=term)
            )
        # A Chinese name is often typed whole (傅君芬): match family + given joined.
        if len(terms) == 1 and not qs.exists():
            qs = (
                people_visible_to(user)
                .with_directory_relations()
                .filter(pk__in=_local_full_name_matches(terms[0]))
            )
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.country:
        qs = qs.filter(institution__country=filters.country)
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.abroad:
        qs = qs.filter(Exists(Experience.objects.filter(person=OuterRef("pk"))))
    return qs.order_by("family_name", "given_name", "pk")


def _local_full_name_matches(term: str) -> list[int]:
    family_chars = {term[:1], term[:2]}
    candidates = Person.objects.filter(family_name_local__in=family_chars).values_list(
        "pk", "family_name_local", "given_name_local"
    )
    return [pk for pk, family, given in candidates if term in f"{family}{given}"]


def department_list(*, user: User) -> QuerySet[Department]:
    return departments_visible_to(user).annotate(people_count=Count("people")).order_by("name")


def person_detail_relations(person: Person) -> dict:
    """What a profile page shows besides the person's own fields, in two queries."""
    return {
        "experiences": list(person.experiences.select_related("institution")),
        "memberships": list(Membership.objects.filter(person=person).select_related("society")),
    }


def institution_people(*, user: User, institution: Institution) -> QuerySet[Person]:
    return (
        people_visible_to(user)
        .filter(institution=institution)
        .with_directory_relations()
        .order_by("family_name", "given_name")
    )


def society_members(*, user: User, society: Institution) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(society=society, person__in=people_visible_to(user))
        .select_related("person", "person__institution")
        .order_by("role", "person__family_name")
    )
