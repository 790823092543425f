"""The demo's CICU call follows a plan of the call planner: public holidays from each
site's calendar (China with its Spring Festival week and adjusted working days, the United
States with Massachusetts' and Pennsylvania's, Canada, the United Kingdom, Italy with
Rome's patron saints, Australia, Singapore and Brazil), steady times and at most
``DEMO_NIGHT_LIMIT`` night meetings per site.

The events demo creates the call as a weekly series at 16:00 in New York; this moves its
sessions to the plan, through the same service as the planner page's "Accept and move the
sessions to come". Loading again changes nothing: a call whose sessions were moved already
is left as it is.
"""

from django.db import transaction

from amity.events.models import Activity
from amity.scheduling import options, selectors, services

CICU_TITLE = "COVID-19 Multicenter CICU Response — weekly call"
DEMO_NIGHT_LIMIT = 6
# The demo directory's cities, with the region whose holidays apply there.
SUBDIVISIONS = {
    "Boston": "MA",
    "Philadelphia": "PA",
    "Toronto": "ON",
    "London": "ENG",
    "Rome": "RM",
    "Melbourne": "VIC",
    "São Paulo": "SP",
}


def demo_request(activity: Activity, sessions: selectors.Sessions) -> options.PlanRequest:
    """The planner request of the demo's CICU call: its sites with their holidays and a
    night limit, over the weeks of its sessions."""
    sites = tuple(
        options.SiteRequest(
            name=row["name"],
            zone=row["zone"],
            country=row["country"],
            subdivision=SUBDIVISIONS.get(row["name"], "") if row["country"] else "",
        )
        for row in selectors.call_sites(activity)
    )
    return options.PlanRequest(
        name=activity.display_title,
        sites=sites,
        first_date=sessions.history.first_date,
        weeks=len(sessions.by_week),
        weekday=sessions.weekday,
        meeting_minutes=sessions.minutes,
        max_nights=DEMO_NIGHT_LIMIT,
        history=sessions.history,
    )


@transaction.atomic
def load_demo_call_plan() -> int:
    """Move the CICU call's sessions to come to the planner's plan. Returns how many
    sessions moved (0 when the call is missing, has no sessions to come, or was planned
    already)."""
    activity = Activity.objects.filter(title=CICU_TITLE).first()
    if activity is None:
        return 0
    sessions = selectors.call_sessions(activity)
    if sessions is None or any(
        session is not None and session.is_moved for session in sessions.by_week
    ):
        return 0
    outcome = options.plan(demo_request(activity, sessions))
    moved, _cancelled = services.plan_reschedule(
        activity=activity,
        starts=outcome.starts,
        held_weeks=sessions.history.held_weeks,
    )
    return moved
