"""The call planner page: plan a weekly call so that the inconvenient hours are shared,
with holidays from each site's calendar, steady times, limits on nights, fairness at every
point, other calls planned together or the weeks to come re-planned; see what each option
costs and how the plan ranks under other cost tables; accept the plan as the call's
sessions (or move the sessions to come)."""

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
from amity.scheduling import options, planner, selectors, services
from amity.scheduling.chart import cumulative_chart, pace_chart
from amity.scheduling.forms import PlannerForm, SiteFormSet, build_request, default_first_date


@login_required
@require_http_methods(["GET", "POST"])
def plan_call(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    today: date = timezone.localdate()
    calls = selectors.calls_to_plan_with(request.user, activity)
    try:
        sessions = selectors.call_sessions(activity)
        not_weekly = False
    except selectors.NotWeekly:
        sessions, not_weekly = None, True
    can_replan = sessions is not None and sessions.history.held_weeks > 0
    form_options = {"calls": calls, "can_replan": can_replan}
    if request.method == "POST":
        form = PlannerForm(request.POST, **form_options)
        sites = SiteFormSet(request.POST, prefix="site")
    else:
        form = PlannerForm(initial={"first_date": default_first_date(today)}, **form_options)
        sites = SiteFormSet(initial=selectors.call_sites(activity), prefix="site")
    context = {"activity": activity, "form": form, "sites": sites, "not_weekly": not_weekly}
    if request.method == "GET" and sessions is not None:
        context["standing"] = _standing(activity, sessions)
    if request.method == "POST" and form.is_valid() and sites.is_valid():
        try:
            plan_request = build_request(
                form,
                sites,
                name=activity.display_title,
                together=tuple(
                    selectors.call_request(
                        other,
                        weekday=form.cleaned_data["weekday"],
                        minutes=form.cleaned_data["meeting_minutes"],
                    )
                    for other in form.cleaned_data.get("together_with") or ()
                ),
                history=sessions.history if sessions else None,
            )
            outcome = options.plan(plan_request)
        except ValueError as error:  # OptionsRefused included: the reason is the message
            form.add_error(None, str(error))
        else:
            response = _accept(request, activity, form, outcome)
            if response is not None:
                return response
            context.update(_outcome_context(request, activity, outcome))
    return render(request, "scheduling/plan.html", context)


def _standing(activity, sessions: selectors.Sessions) -> options.Standing | None:
    """The call's sessions as they stand, with the holidays of its sites' countries."""
    try:
        return options.as_it_stands(
            activity.display_title,
            options_sites(selectors.call_sites(activity)),
            sessions.history,
            weekday=sessions.weekday,
            minutes=sessions.minutes,
        )
    except ValueError:  # a call the planner cannot cost (e.g. beyond its limits)
        return None


def options_sites(rows: list[dict]) -> tuple[options.SiteRequest, ...]:
    return tuple(
        options.SiteRequest(name=row["name"], zone=row["zone"], country=row["country"])
        for row in rows
    )


def _accept(request, activity, form, outcome: options.Outcome):
    """Accept the plan shown when the Accept button was pressed: add its sessions, or for
    a re-plan move the sessions to come. Returns the redirect, or None to show the plan
    (with the reason in the form's errors when it could not be accepted)."""
    if request.POST.get("action") != "accept":
        return None
    shown = _shown_plan(request, activity)
    if shown is _CHANGED:
        form.add_error(
            None,
            _(
                "The plan was made again from the changed form, and it differs from the "
                "one shown: look at it below, then accept it."
            ),
        )
        return None
    starts = shown if shown is not None else outcome.starts
    try:
        if outcome.replan is not None:
            moved, cancelled = services.plan_reschedule(
                activity=activity,
                starts=starts,
                held_weeks=outcome.request.history.held_weeks,
            )
            messages.success(
                request,
                _("%(moved)s sessions were moved and %(cancelled)s cancelled.")
                % {"moved": moved, "cancelled": cancelled},
            )
        else:
            problem = outcome.plan.series[0].problem
            plan = planner.evaluate(problem, list(starts), label=outcome.plan.label)
            created = services.plan_accept(activity=activity, plan=plan)
            messages.success(
                request,
                _("%(count)s sessions were added at the planned times.") % {"count": len(created)},
            )
    except services.PlanRefused as error:
        # Stay on the plan, with the reason above the form, so it can be changed.
        form.add_error(None, str(error))
        return None
    return redirect(activity)


def _outcome_context(request, activity, outcome: options.Outcome) -> dict:
    result = outcome.plan
    return {
        "outcome": outcome,
        "plan": result,
        "prices": [
            {"name": options.option_name(price.option), "price": price} for price in outcome.prices
        ],
        "rankings": [
            {"name": options.table_name(ranking.table), "ranking": ranking}
            for ranking in outcome.rankings
        ],
        "chart": cumulative_chart(result),
        "pace": pace_chart(result),
        "calls": [
            {"series": series, "weeks": rows, "sites": [site.name for site in series.problem.sites]}
            for series, rows in zip(result.series, outcome.weeks, strict=True)
        ],
        "holiday_list": _holiday_list(outcome),
        "baseline_label": options.baseline_label(outcome),
        "chosen_label": _("Amity's plan"),
        "shown_plan": _sign_plan(request, activity, outcome.starts),
    }


def _holiday_list(outcome: options.Outcome) -> list[dict]:
    """Each site's holidays within the series, for the list under the table."""
    return [
        {"site": name, "days": sorted(calendar.days_off.items())}
        for name, calendar in outcome.calendars.items()
        if calendar.days_off
    ]


_SALT = "amity.scheduling.shown-plan"
_CHANGED = object()
_NOT_INPUTS = {"csrfmiddlewaretoken", "action", "shown_plan"}


def _inputs(request) -> str:
    """A digest of the planner form as posted: the plan shown belongs to these inputs."""
    posted = sorted(
        (key, request.POST.getlist(key)) for key in request.POST if key not in _NOT_INPUTS
    )
    return hashlib.sha256(repr(posted).encode()).hexdigest()


def _sign_plan(request, activity, starts) -> str:
    """The plan's start times as shown, signed with the inputs they were planned from."""
    return signing.dumps(
        {
            "activity": activity.pk,
            "inputs": _inputs(request),
            "starts": [start.isoformat() if start else None for start in starts],
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
    return tuple(datetime.fromisoformat(start) if start else None for start in shown["starts"])
