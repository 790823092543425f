import re
from datetime import date

import pytest
from django.urls import reverse

from amity.directory.demo import load_demo
from amity.events.demo import load_demo_activities
from amity.events.models import Activity

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
    }
    forum = Activity.objects.get(kind="forum")
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
    call = Activity.objects.get(kind="call")
    text = _text(client.get(call.get_absolute_url()))
    assert winter in text
    assert summer in text
    assert "from 18 March, 1 h earlier in Hangzhou" in text
    assert "from 31 March, 1 h later in London" in text


def test_demo_activities_show_on_the_public_page(demo, client):
    text = _text(client.get(reverse("events:public_agenda")))
    assert "No public events are coming up." in text  # the public 2020 talks were held
    assert "COVID" not in text
