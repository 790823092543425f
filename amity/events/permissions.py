"""Who may see and change which activities.

Visibility of an activity:
- public: everyone, also without logging in;
- staff: everyone of the home hospital (office staff, coordinators, staff members);
- partners: the hospital's staff and the contacts of the activity's partner institutions;
- invited: office staff, the organising department's coordinator, and the people taking
  part (participants and speakers).
Office staff manage every activity; a coordinator manages their department's.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from amity.directory.models import Department, Institution
from amity.events.models import Activity, Session, Visibility


def _is_home_staff(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_partner_contact


def _takes_part(person) -> Q:
    return Q(participations__person=person) | Q(sessions__speakers__person=person)


def activities_visible_to(user) -> QuerySet[Activity]:
    qs = Activity.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.filter(visibility=Visibility.PUBLIC)
    if user.is_office_staff:
        return qs
    person = user.person
    visible = Q(visibility=Visibility.PUBLIC)
    if _is_home_staff(user):
        visible |= Q(visibility__in=[Visibility.STAFF, Visibility.PARTNERS])
        if person and person.department_id:
            visible |= Q(visibility=Visibility.INVITED, department_id=person.department_id)
    elif person:  # a partner contact
        visible |= Q(visibility=Visibility.PARTNERS, partners=person.institution_id)
    if person:
        visible |= Q(visibility=Visibility.INVITED) & _takes_part(person)
    # Joins through partners, participants and speakers can repeat rows: keep ids only.
    return qs.filter(pk__in=Activity.objects.filter(visible).values("pk"))


def agenda_filter_choices(user) -> tuple[QuerySet[Institution], QuerySet[Department]]:
    """The partners and departments the agenda may be filtered by: all of them for home
    staff and visitors of the public agenda; a partner contact only their own institution
    and no department."""
    partners = Institution.objects.partners().order_by("name")
    departments = Department.objects.all()
    if user.is_authenticated and user.is_partner_contact:
        partners = (
            partners.filter(pk=user.person.institution_id) if user.person else partners.none()
        )
        departments = departments.none()
    return partners, departments


def sessions_visible_to(user) -> QuerySet[Session]:
    return Session.objects.filter(activity__in=activities_visible_to(user))


def can_create_activities(user) -> bool:
    return user.is_authenticated and (
        user.is_office_staff
        or (user.is_coordinator and user.person is not None and user.person.department_id)
    )


def can_manage_activity(user, activity: Activity) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_office_staff:
        return True
    return (
        user.is_coordinator
        and user.person is not None
        and user.person.department_id is not None
        and activity.department_id == user.person.department_id
    )


def get_activity_for_user(user, pk: int) -> Activity:
    return get_object_or_404(activities_visible_to(user), pk=pk)


def get_activity_for_edit(user, pk: int) -> Activity:
    activity = get_activity_for_user(user, pk)
    if not can_manage_activity(user, activity):
        raise PermissionDenied
    return activity


def get_session_for_user(user, pk: int) -> Session:
    return get_object_or_404(sessions_visible_to(user).with_activity(), pk=pk)


def get_session_for_edit(user, pk: int) -> Session:
    session = get_session_for_user(user, pk)
    if not can_manage_activity(user, session.activity):
        raise PermissionDenied
    return session
