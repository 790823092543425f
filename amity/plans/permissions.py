"""Who may see and change department exchange plans. Pages reach plans only through
these helpers.

- office staff: every plan of every department;
- department coordinators: read every plan; add and change their own department's,
  and turn them into activities;
- staff members: read every plan;
- partner contacts: nothing (plans are the hospital's internal intentions).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from amity.directory.permissions import coordinated_department
from amity.plans.models import ExchangePlan


def can_browse_plans(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_partner_contact


def plans_visible_to(user) -> QuerySet[ExchangePlan]:
    if not can_browse_plans(user):
        return ExchangePlan.objects.none()
    return ExchangePlan.objects.all()


def can_add_plans(user) -> bool:
    return user.is_authenticated and (
        user.is_office_staff or coordinated_department(user) is not None
    )


def can_manage_plan(user, plan: ExchangePlan) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_office_staff:
        return True
    department = coordinated_department(user)
    return department is not None and plan.department_id == department.pk


def get_plan_for_user(user, pk: int) -> ExchangePlan:
    if not can_browse_plans(user):
        raise PermissionDenied
    return get_object_or_404(
        plans_visible_to(user).select_related("department", "partner", "owner", "activity"),
        pk=pk,
    )


def get_plan_for_edit(user, pk: int) -> ExchangePlan:
    plan = get_plan_for_user(user, pk)
    if not can_manage_plan(user, plan):
        raise PermissionDenied
    return plan
