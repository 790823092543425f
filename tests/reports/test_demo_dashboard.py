"""The demo's dashboard shows exchange held this year and the year before: a hospital leader
who opens it after loading the demo sees activities, sessions, hours and people, not zeros."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from amity.core.figures import Period
from amity.reports.dashboard import dashboard

pytestmark = pytest.mark.django_db

HELD = (
    "events.activities",
    "events.sessions_held",
    "events.hours",
    "events.departments",
    "events.attendances",
    "registrations.registrants",
    "registrations.attendees",
    "directory.partners_repeated",
)


def _year() -> int:
    """The load day's year; in the first fortnight of January, which has had no week of
    exchange yet (the demo's record ends the week before it is loaded), the year before."""
    return (timezone.localdate() - dt.timedelta(days=14)).year


def test_the_demo_dashboard_shows_exchange_held_this_year_and_last(demo):
    rows = {row.key: row for section in dashboard(Period.year(_year())) for row in section.rows}
    for key in HELD:
        assert rows[key].value > 0, key
        assert rows[key].previous > 0, key
    # Who took part, split by country and profession for both kinds of attendance.
    attendees = {b.title: b for b in rows["registrations.attendees"].breakdowns}
    assert len(attendees["By country"].rows) >= 3
    assert len(attendees["By profession"].rows) >= 3
    (by_country,) = rows["events.attendances"].breakdowns
    assert len(by_country.rows) >= 2


def test_the_demo_leader_sees_the_year_against_the_one_before(demo, client):
    from amity.accounts.models import User

    client.force_login(User.objects.get(username="leader"))
    year = _year()
    html = client.get(f"/reports/?year={year}").content.decode()
    for key in ("events.activities", "events.sessions_held", "registrations.attendees"):
        start = html.index(f'data-figure="{key}"')
        card = html[start : html.index("</article>", start)]
        assert re.search(rf'data-testid="value-{re.escape(key)}">[1-9][0-9,]*<', card), key
        assert re.search(rf"{year - 1}: [1-9]", card), key
