"""Pages of the department exchange plans. Each view parses input, checks access through
``permissions``, calls one service or selector, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amity.core.editing import changes_saved, edit_page
from amity.core.paging import page_of, query_without
from amity.directory.permissions import coordinated_department, departments_visible_to
from amity.plans import permissions, selectors, services
from amity.plans.forms import PlanFilterForm, PlanForm
from amity.plans.models import ExchangePlan

PAGE_SIZE = 50


@login_required
def plan_list(request):
    user = request.user
    if not permissions.can_browse_plans(user):
        raise PermissionDenied
    form = PlanFilterForm(request.GET or None, departments=departments_visible_to(user))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.PlanFilters(
        q=data.get("q", "").strip(),
        status=data.get("status", ""),
        department=data["department"].pk if data.get("department") else None,
    )
    page = page_of(request, selectors.plan_list(user=user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "plans/plan_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "status_counts": selectors.plan_status_counts(user=user, department=filters.department),
            "department": data.get("department"),
            "can_add": permissions.can_add_plans(user),
        },
    )


@login_required
def plan_detail(request, pk: int):
    plan = permissions.get_plan_for_user(request.user, pk)
    return render(
        request,
        "plans/plan_detail.html",
        {"plan": plan, "can_manage": permissions.can_manage_plan(request.user, plan)},
    )


# Rules on what the form does not show (e.g. the linked activity) come back from the
# model's own validation; edit_page puts them on the form.
def _plan_form(request, plan: ExchangePlan | None) -> PlanForm:
    department = coordinated_department(request.user)
    return PlanForm(request.POST or None, instance=plan, coordinated_department=department)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not permissions.can_add_plans(request.user):
        raise PermissionDenied
    return edit_page(
        request,
        form=_plan_form(request, None),
        save=lambda data: services.plan_create(fields=data),
        template="plans/plan_form.html",
        context={"plan": None},
        success_message=lambda plan: _("The plan “%s” was added.") % plan,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = permissions.get_plan_for_edit(request.user, pk)
    return edit_page(
        request,
        form=_plan_form(request, plan),
        save=lambda data: services.plan_update(plan=plan, fields=data),
        template="plans/plan_form.html",
        context={"plan": plan},
        success_message=changes_saved,
    )


@login_required
@require_POST
def plan_start(request, pk: int):
    plan = permissions.get_plan_for_edit(request.user, pk)
    try:
        activity = services.plan_start_activity(plan=plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(plan)
    messages.success(request, _("“%s” is now an activity. Add its sessions.") % activity)
    return redirect(activity.get_absolute_url())
