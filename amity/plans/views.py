"""Pages of the department exchange plans. Each view parses input, checks access through
``permissions``, calls one service or selector, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

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


def _plan_form_page(request, plan: ExchangePlan | None):
    department = coordinated_department(request.user)
    form = PlanForm(request.POST or None, instance=plan, coordinated_department=department)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                saved = services.plan_create(fields=form.cleaned_data)
            else:
                saved = services.plan_update(plan=plan, fields=form.cleaned_data)
        except ValidationError as error:
            # Rules on what the form does not show (e.g. the linked activity) come back
            # from the model's own validation.
            form.add_error(None, error)
        else:
            if plan is None:
                messages.success(request, _("The plan “%s” was added.") % saved)
            else:
                messages.success(request, _("Changes to “%s” were saved.") % saved)
            return redirect(saved)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not permissions.can_add_plans(request.user):
        raise PermissionDenied
    return _plan_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    return _plan_form_page(request, permissions.get_plan_for_edit(request.user, pk))


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
