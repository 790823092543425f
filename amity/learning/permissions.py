"""Who may see and change external courses. Pages reach courses only through these helpers.

- office staff: everything;
- department coordinators: read everything; add courses, and edit those their own
  department recommends;
- staff members: read everything, including who completed a course;
- everyone of the home hospital with a directory entry records their own completions;
- partner contacts: nothing (the catalogue is for the hospital's own staff).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from amity.directory.permissions import coordinated_department
from amity.learning.models import ExternalCourse


def can_browse_courses(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_partner_contact


def courses_visible_to(user) -> QuerySet[ExternalCourse]:
    if not can_browse_courses(user):
        return ExternalCourse.objects.none()
    return ExternalCourse.objects.all()


def can_add_courses(user) -> bool:
    return user.is_authenticated and (
        user.is_office_staff or coordinated_department(user) is not None
    )


def can_edit_course(user, course: ExternalCourse) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_office_staff:
        return True
    department = coordinated_department(user)
    return department is not None and course.recommended_by_id == department.pk


def can_record_completion(user) -> bool:
    """Home-hospital staff with a directory entry record their own completions."""
    if not can_browse_courses(user):
        return False
    person = user.person
    return person is not None and person.institution.is_home


def can_see_completers(user) -> bool:
    """Who completed a course is visible to the hospital's staff (and only to them)."""
    return can_browse_courses(user)


def get_course_for_user(user, pk: int) -> ExternalCourse:
    if not can_browse_courses(user):
        raise PermissionDenied
    return get_object_or_404(courses_visible_to(user), pk=pk)


def get_course_for_edit(user, pk: int) -> ExternalCourse:
    course = get_course_for_user(user, pk)
    if not can_edit_course(user, course):
        raise PermissionDenied
    return course
