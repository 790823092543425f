"""Writes to the directory. Pages, the API, the demo loader and scripts all call these.

Every function runs in one transaction and validates the whole object (fields, ``clean()``
and database constraints) before writing, so a rejected change writes nothing.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from amity.accounts.models import User
from amity.core.services import save_validated
from amity.directory.models import (
    Department,
    Experience,
    Institution,
    Language,
    Membership,
    Person,
)


@transaction.atomic
def institution_create(*, fields: Mapping[str, Any]) -> Institution:
    return save_validated(Institution(), fields)


@transaction.atomic
def institution_update(*, institution: Institution, fields: Mapping[str, Any]) -> Institution:
    return save_validated(institution, fields)


@transaction.atomic
def department_create(*, fields: Mapping[str, Any]) -> Department:
    return save_validated(Department(), fields)


@transaction.atomic
def department_update(*, department: Department, fields: Mapping[str, Any]) -> Department:
    return save_validated(department, fields)


@transaction.atomic
def person_save(
    *,
    person: Person | None,
    fields: Mapping[str, Any],
    languages: Iterable[Language] | None = None,
    experiences: Iterable[Mapping[str, Any]] | None = None,
    memberships: Iterable[Mapping[str, Any]] | None = None,
) -> Person:
    """Create (``person=None``) or update a person.

    ``languages``, ``experiences`` and ``memberships``, when given, replace what the person
    had: afterwards the person has exactly those. ``None`` leaves them as they are."""
    person = save_validated(person or Person(), fields)
    if languages is not None:
        person.languages.set(languages)
    if experiences is not None:
        person.experiences.all().delete()
        for data in experiences:
            save_validated(Experience(person=person), data)
    if memberships is not None:
        person.memberships.all().delete()
        for data in memberships:
            save_validated(Membership(person=person), data)
    return person


@transaction.atomic
def person_link_user(*, person: Person, user: User) -> Person:
    """Make ``user`` the login of ``person`` (a login belongs to one person)."""
    Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
    person.user = user
    person.save(update_fields=["user"])
    return person
