"""Writes for external courses and completions. Pages, the demo loader and scripts all
call these; each runs in one transaction and validates the whole object (fields,
``clean()`` and database constraints) before writing, so a rejected change writes nothing.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from amity.core.services import save_validated
from amity.directory.models import Language, Person
from amity.learning.models import CourseCompletion, ExternalCourse


@transaction.atomic
def course_create(
    *, fields: Mapping[str, Any], languages: Iterable[Language] = ()
) -> ExternalCourse:
    course = save_validated(ExternalCourse(), fields)
    course.languages.set(languages)
    return course


@transaction.atomic
def course_update(
    *,
    course: ExternalCourse,
    fields: Mapping[str, Any],
    languages: Iterable[Language] | None = None,
) -> ExternalCourse:
    """Change a course; ``languages``, when given, replace the ones it had."""
    save_validated(course, fields)
    if languages is not None:
        course.languages.set(languages)
    return course


@transaction.atomic
def completion_record(
    *, course: ExternalCourse, person: Person, completed_on: date, note: str = ""
) -> CourseCompletion:
    """Record that ``person`` completed ``course`` on ``completed_on``.

    Idempotent: a person has at most one completion per course (a unique constraint), so
    recording again updates that one's date and note instead of adding a second."""
    completion = (
        CourseCompletion.objects.select_for_update().filter(course=course, person=person).first()
    ) or CourseCompletion(course=course, person=person)
    return save_validated(completion, {"completed_on": completed_on, "note": note})


@transaction.atomic
def completion_remove(*, course: ExternalCourse, person: Person) -> int:
    """Undo a recorded completion. Returns how many were removed (0 when there was none,
    so undoing twice is harmless)."""
    deleted, _by_model = CourseCompletion.objects.filter(course=course, person=person).delete()
    return deleted
