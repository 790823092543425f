"""The call planner page: plan a weekly call so that the inconvenient hours are shared,
compare with fixed times, and accept the plan as the call's sessions."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amity.events import permissions
from amity.events.selectors import activity_sites
from amity.scheduling import planner, services
from amity.scheduling.chart import cumulative_chart
from amity.scheduling.forms import PlannerForm, SiteFormSet, build_problem, default_first_date


def _initial_sites(activity) -> list[dict]:
    return [
        {"include": True, "name": name, "zone": zone, "weight": 1.0}
        for name, zone in activity_sites(activity)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def plan_call(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    today: date = timezone.localdate()
    if request.method == "POST":
        form = PlannerForm(request.POST)
        sites = SiteFormSet(request.POST, prefix="site")
    else:
        form = PlannerForm(initial={"first_date": default_first_date(today)})
        sites = SiteFormSet(initial=_initial_sites(activity), prefix="site")
    context = {"activity": activity, "form": form, "sites": sites}
    if request.method == "POST" and form.is_valid() and sites.is_valid():
        try:
            problem = build_problem(form, sites)
            comparison = services.plan_compare(
                problem=problem, compare_with=form.cleaned_data["compare_with"]
            )
        except planner.NoFeasiblePlan:
            form.add_error(None, _("No time keeps every site out of the hours you ruled out."))
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            if request.POST.get("action") == "accept":
                try:
                    created = services.plan_accept(activity=activity, plan=comparison.plan)
                except services.PlanRefused as error:
                    # Stay on the plan, with the reason above the form, so it can be changed.
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request,
                        _("%(count)s sessions were added at the planned times.")
                        % {"count": len(created)},
                    )
                    return redirect(activity)
            baseline = comparison.typed or comparison.poll
            context.update(
                comparison=comparison,
                baseline=baseline,
                shares=list(zip(comparison.plan.sites, baseline.sites, strict=True)),
                chart=cumulative_chart(comparison.plan),
                weeks=_week_rows(comparison.plan),
            )
    return render(request, "scheduling/plan.html", context)


def _week_rows(plan: planner.Plan) -> list[dict]:
    """One row a week: the start at each site, flagged where it moved since last week."""
    rows = []
    for week, start in enumerate(plan.starts):
        rows.append(
            {
                "number": week + 1,
                "start": start,
                "cells": [
                    {
                        "local": report.local_starts[week].replace(tzinfo=None),
                        "cost": report.costs[week],
                        "moved": week in report.time_changes,
                    }
                    for report in plan.sites
                ],
            }
        )
    return rows
