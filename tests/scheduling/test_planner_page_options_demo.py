"""The demo's CICU call follows a plan of the call planner: holidays from each site's
calendar and at most six night meetings per site; loading the demo again moves nothing."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from amity.directory.demo import load_demo
from amity.events.demo import load_demo_activities
from amity.events.models import Activity
from amity.scheduling import holidays
from amity.scheduling.demo import CICU_TITLE, DEMO_NIGHT_LIMIT, load_demo_call_plan

pytestmark = pytest.mark.django_db

ZONES = {
    "Hangzhou": ("Asia/Shanghai", "CN", ""),
    "Boston": ("America/New_York", "US", "MA"),
    "Rome": ("Europe/Rome", "IT", "RM"),
    "London": ("Europe/London", "GB", "ENG"),
}


def test_demo_cicu_call_keeps_the_night_limit_and_is_planned_once():
    load_demo(synthetic_people=0)
    load_demo_activities()
    call = Activity.objects.get(title=CICU_TITLE)
    before = list(call.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert {start.astimezone(ZoneInfo("America/New_York")).hour for start in before} == {16}

    moved = load_demo_call_plan()

    after = list(call.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert moved > 0 and len(after) == len(before) == 52
    assert after != before
    first, last = after[0].date(), after[-1].date()
    for site, (zone, country, region) in ZONES.items():
        local = [start.astimezone(ZoneInfo(zone)) for start in after]
        nights = sum(start.hour < 5 or (start.hour == 23 and start.minute > 0) for start in local)
        assert nights <= DEMO_NIGHT_LIMIT, site
        calendar = holidays.site_calendar(country, region, first=first, last=last)
        assert calendar.days_off, site  # a year of the call crosses its holidays
    assert load_demo_call_plan() == 0
    assert list(call.sessions.order_by("starts_at").values_list("starts_at", flat=True)) == after
    assert all(start > timezone.now() for start in after)
