import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from amity.core import figures
from amity.core.figures import Period
from amity.directory.demo import load_demo
from amity.events.demo import PAST, load_demo_activities
from amity.events.models import Activity, Session

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


@pytest.fixture
def demo():
    load_demo(synthetic_people=0)
    return load_demo_activities(today=TODAY)


def test_every_seed_exchange_is_in_the_demo(demo):
    kinds = dict(Activity.objects.values_list("title", "kind"))
    assert kinds == {
        "2020 PDA Management Forum": "forum",
        "Remote International Classroom: Paediatric Endocrinology": "lecture",
        "Diagnosis and Management of Pediatric Diseases under COVID-19": "webinar",
        "COVID-19 Multicenter CICU Response — weekly call": "call",
        "Speech rehabilitation virtual classroom with Loma Linda University": "classroom",
        "Bob's Talk — Statistics and Research Lecture Series": "series",
        # Held in the two years before the load week (amity.events.demo.PAST).
        "Remote International Classroom: Growth Hormone Therapy in Children": "lecture",
        "PDA Management Forum with Boston and Philadelphia": "forum",
        "Multicenter Paediatric CICU Case Review — weekly call": "call",
        "Speech rehabilitation virtual classroom with Loma Linda University — autumn term": (
            "classroom"
        ),
        "Remote International Classroom: Puberty Disorders": "lecture",
        "Speech rehabilitation virtual classroom with Loma Linda University — spring term": (
            "classroom"
        ),
        "Bob's Talk — Statistics and Research: first season": "series",
        "APPES Online Forum: Diabetes and Obesity in Asia-Pacific Children": "forum",
        "Nursing exchange with Great Ormond Street Hospital: infection prevention on "
        "children's wards": "lecture",
    }
    forum = Activity.objects.get(title="2020 PDA Management Forum")
    keynote = forum.sessions.get(title="Keynote").speakers.get()
    assert (keynote.person.full_name, keynote.role) == ("Shu Qiang", "keynote")
    assert Activity.objects.get(kind="webinar").expected_audience == 10000
    assert load_demo_activities(today=TODAY) == 0


def _text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        (
            "Asia/Shanghai",
            "Thu 11 Mar 2027, 05:00–06:00 Shanghai",
            "Thu 18 Mar 2027, 04:00–05:00 Shanghai",
        ),
        (
            "America/New_York",
            "Wed 10 Mar 2027, 16:00–17:00 New York",
            "Wed 17 Mar 2027, 16:00–17:00 New York",
        ),
    ],
)
def test_cicu_call_reads_right_in_beijing_and_boston_across_dst(demo, client, zone, winter, summer):
    from amity.accounts.models import User

    client.force_login(User.objects.get(username="office"))
    client.cookies["amity_tz"] = zone
    call = Activity.objects.get(title="COVID-19 Multicenter CICU Response — weekly call")
    text = _text(client.get(call.get_absolute_url()))
    assert winter in text
    assert summer in text
    assert "from 18 March, 1 h earlier in Hangzhou" in text
    assert "from 31 March, 1 h later in London" in text


def test_demo_activities_show_on_the_public_page(demo, client):
    text = _text(client.get(reverse("events:public_agenda")))
    assert "No public events are coming up." in text  # the public 2020 talks were held
    assert "COVID" not in text


def test_the_past_record_is_held_in_the_weeks_before_the_load_week(demo):
    """The exchanges of the last two years: each held (1 to 4 sessions, none cancelled),
    the last one in the week before the load week, the first early the year before."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    past = Session.objects.filter(activity__title__in=[p.title for p in PAST])
    assert past.values("activity").distinct().count() == len(PAST) == 9
    for activity in Activity.objects.filter(title__in=[p.title for p in PAST]):
        assert activity.status == "held", activity.title
        assert 1 <= activity.sessions.count() <= 4, activity.title
    assert set(past.values_list("status", flat=True)) == {"scheduled"}
    last = max(past.values_list("ends_at", flat=True))
    first = min(past.values_list("starts_at", flat=True))
    assert monday - timedelta(days=7) <= last.date() < monday
    assert first.date() == date(2025, 2, 20)
    # Two of the hospital and one contact at each of the six sites (Boston organises).
    assert Activity.objects.get(title=PAST[2].title).participations.count() == 8


@pytest.mark.parametrize(
    ("period", "held"),
    [
        (Period.year(2025), (4, 12, Decimal("14.50"), 4)),
        # Up to the load day: the weekly calls and classrooms to come are not held yet.
        (Period.dates(date(2026, 1, 1), TODAY), (5, 13, Decimal("18.00"), 4)),
    ],
)
def test_the_past_record_differs_between_the_two_years(demo, period, held):
    """Activities held, sessions held, hours and departments taking part, per year."""
    keys = ("events.activities", "events.sessions_held", "events.hours", "events.departments")
    assert tuple(figures.get(key).value(period) for key in keys) == held
