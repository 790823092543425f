"""Who may see and change what in the directory. Pages and the API reach protected
objects only through these helpers.

- office staff: everything;
- department coordinators and staff members: read everything; coordinators also add and
  edit the people of their own department;
- partner contacts: their own institution and their own profile, nothing else.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from amity.directory.models import Department, Institution, Person


def _home_department_id(user) -> int | None:
    person = user.person
    return person.department_id if person else None


def institutions_visible_to(user) -> QuerySet[Institution]:
    qs = Institution.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_partner_contact:
        person = user.person
        return qs.filter(pk=person.institution_id) if person else qs.none()
    return qs


def people_visible_to(user) -> QuerySet[Person]:
    qs = Person.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_partner_contact:
        return qs.filter(user=user)
    return qs


def can_open_person(user, person: Person) -> bool:
    """Whether ``user`` may open ``person``'s profile: the rule of ``people_visible_to``
    for one person, without a query, so that pages link a name only when the link
    works (the ``person_link`` template tag)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_partner_contact:
        return person.user_id is not None and person.user_id == user.pk
    return True


def can_open_institution(user, institution: Institution) -> bool:
    """The rule of ``institutions_visible_to`` for one institution, without a query (the
    ``institution_link`` template tag)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_partner_contact:
        person = user.person
        return person is not None and person.institution_id == institution.pk
    return True


def departments_visible_to(user) -> QuerySet[Department]:
    if not user.is_authenticated or not user.is_active or user.is_partner_contact:
        return Department.objects.none()
    return Department.objects.all()


def can_browse_departments(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_partner_contact


def can_manage_institutions(user) -> bool:
    return user.is_authenticated and user.is_office_staff


def can_manage_departments(user) -> bool:
    return user.is_authenticated and user.is_office_staff


def can_add_people(user) -> bool:
    return user.is_authenticated and (
        user.is_office_staff or (user.is_coordinator and _home_department_id(user) is not None)
    )


def can_edit_person(user, person: Person) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_office_staff:
        return True
    if user.is_coordinator:
        department_id = _home_department_id(user)
        return department_id is not None and person.department_id == department_id
    return False


def coordinated_department(user) -> Department | None:
    """The department whose people a coordinator edits (None for everyone else)."""
    if user.is_authenticated and user.is_coordinator and user.person:
        return user.person.department
    return None


def get_institution_for_user(user, pk: int) -> Institution:
    return get_object_or_404(institutions_visible_to(user), pk=pk)


def get_institution_for_edit(user, pk: int) -> Institution:
    institution = get_institution_for_user(user, pk)
    if not can_manage_institutions(user):
        raise PermissionDenied
    return institution


def get_department_for_user(user, pk: int) -> Department:
    if not can_browse_departments(user):
        raise PermissionDenied
    return get_object_or_404(departments_visible_to(user), pk=pk)


def get_department_for_edit(user, pk: int) -> Department:
    department = get_department_for_user(user, pk)
    if not can_manage_departments(user):
        raise PermissionDenied
    return department


def get_person_for_user(user, pk: int) -> Person:
    return get_object_or_404(people_visible_to(user), pk=pk)


def get_person_for_edit(user, pk: int) -> Person:
    person = get_person_for_user(user, pk)
    if not can_edit_person(user, person):
        raise PermissionDenied
    return person
