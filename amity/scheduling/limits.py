"""What the planner accepts, in one place for the page and the API: the choices the form
offers, and a bound on the work one request may ask for.

The form's fields take their limits from here, and ``options.plan`` checks every
problem with ``check_problem`` before any cost is built, so the API can ask for nothing the
page could not."""

from django.utils.translation import gettext as _

from amity.core.zones import time_zone_names
from amity.scheduling import planner

SLOT_STEPS = (15, 30)
MAX_SITES = 60
MAX_WEEKS = 104
MIN_MEETING_MINUTES = 15
MAX_MEETING_MINUTES = 240
MAX_DISTINCT_SLOTS = 10
MAX_WEIGHT = 10.0
# Building the costs takes one array cell per site, week, start time and minute of the
# call: ten million take about a second and under 200 MB here, and the solvers' own time
# limits bound the rest. Ten sites over 104 weeks with four-hour calls every 15 minutes
# would take 24 million; the seed call takes 1.3 million.
MAX_COSTED_MINUTES = 10_000_000


def costed_minutes(problem: planner.Problem) -> int:
    """How many site-minutes building ``problem``'s costs takes."""
    return len(problem.sites) * problem.weeks * len(problem.slots) * problem.meeting_minutes


def check_problem(problem: planner.Problem) -> None:
    """Raise ValueError, with a message for the user, when ``problem`` asks for something
    the planner page does not offer or for more work than one request may take."""
    if problem.slot_step_minutes not in SLOT_STEPS:
        raise ValueError(_("Start times come every 15 or 30 minutes."))
    if len(problem.sites) > MAX_SITES:
        raise ValueError(_("Plan for at most %(count)s sites.") % {"count": MAX_SITES})
    if problem.weeks > MAX_WEEKS:
        raise ValueError(_("Plan at most %(count)s weeks.") % {"count": MAX_WEEKS})
    if not MIN_MEETING_MINUTES <= problem.meeting_minutes <= MAX_MEETING_MINUTES:
        raise ValueError(
            _("A call lasts from %(least)s to %(most)s minutes.")
            % {"least": MIN_MEETING_MINUTES, "most": MAX_MEETING_MINUTES}
        )
    if len(problem.allowed_weekdays) != 1:
        raise ValueError(_("Choose one day (in UTC) for the call."))
    if len(problem.hard_limits) > 1 or any(
        not (start.is_integer() and end.is_integer()) for start, end in problem.hard_limits
    ):
        raise ValueError(_("Give one window of whole local hours, e.g. 0 and 5."))
    if problem.max_distinct_slots is not None and problem.max_distinct_slots > MAX_DISTINCT_SLOTS:
        raise ValueError(
            _("Use at most %(count)s different times.") % {"count": MAX_DISTINCT_SLOTS}
        )
    zones = time_zone_names()
    for site in problem.sites:
        if site.zone not in zones:
            raise ValueError(_("Unknown time zone: %(zone)s.") % {"zone": site.zone})
        if site.weight > MAX_WEIGHT:
            raise ValueError(
                _("The weight of %(site)s must be at most %(most)s.")
                % {"site": site.name, "most": f"{MAX_WEIGHT:g}"}
            )
    if costed_minutes(problem) > MAX_COSTED_MINUTES:
        raise ValueError(
            _(
                "This series is too large to plan at once (%(sites)s sites, %(weeks)s weeks, "
                "%(starts)s start times a week, %(minutes)s minutes): plan fewer sites or "
                "weeks, a shorter call or start times every 30 minutes."
            )
            % {
                "sites": len(problem.sites),
                "weeks": problem.weeks,
                "starts": len(problem.slots),
                "minutes": problem.meeting_minutes,
            }
        )
