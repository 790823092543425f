"""The call planner page: plan a weekly call so that the inconvenient hours are shared,
compare with fixed times, and accept the plan as the call's sessions."""

import dataclasses
import hashlib
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
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
            shown = _shown_plan(request, activity)
            if request.POST.get("action") == "accept" and shown is _CHANGED:
                form.add_error(
                    None,
                    _(
                        "The plan was made again from the changed form, and it differs from the "
                        "one shown: look at it below, then accept it."
                    ),
                )
            elif request.POST.get("action") == "accept":
                plan = comparison.plan
                if shown is not None:
                    # Accept what the page showed, not a new run of the solver.
                    plan = dataclasses.replace(plan, starts=shown)
                try:
                    created = services.plan_accept(activity=activity, plan=plan)
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
                shown_plan=_sign_plan(request, activity, comparison.plan),
            )
    return render(request, "scheduling/plan.html", context)


_SALT = "amity.scheduling.shown-plan"
_CHANGED = object()
_NOT_INPUTS = {"csrfmiddlewaretoken", "action", "shown_plan"}


def _inputs(request) -> str:
    """A digest of the planner form as posted: the plan shown belongs to these inputs."""
    posted = sorted(
        (key, request.POST.getlist(key)) for key in request.POST if key not in _NOT_INPUTS
    )
    return hashlib.sha256(repr(posted).encode()).hexdigest()


def _sign_plan(request, activity, plan: planner.Plan) -> str:
    """The plan's start times as shown, signed with the inputs they were planned from."""
    return signing.dumps(
        {
            "activity": activity.pk,
            "inputs": _inputs(request),
            "starts": [start.isoformat() for start in plan.starts],
        },
        salt=_SALT,
    )


def _shown_plan(request, activity):
    """The start times the page showed when its Accept was pressed; ``_CHANGED`` when the
    form was changed since (the shown plan belongs to other inputs); None when no plan
    was shown (an Accept posted directly accepts the plan made now)."""
    token = request.POST.get("shown_plan", "")
    if not token:
        return None
    try:
        shown = signing.loads(token, salt=_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return _CHANGED
    if shown.get("activity") != activity.pk or shown.get("inputs") != _inputs(request):
        return _CHANGED
    return tuple(datetime.fromisoformat(start) for start in shown["starts"])


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
