"""The registrant's own page (reached through the signed link): it asks before cancelling
or erasing, and shows each time in the registrant's zone with the organisers' beside it."""

import pytest
from django.test import Client

from amity.registrations import services
from amity.registrations.models import Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _registration(activity, n: int = 1, **extra) -> Registration:
    fields = registrant(n, **extra)
    del fields["consent"]
    registration = services.registration_create(activity=activity, fields=fields).registration
    return registration


def test_cancel_asks_first_and_cancels_only_when_confirmed(webinar):
    """The first click on “Cancel my registration” changes nothing and asks; the answer
    “Yes” cancels."""
    registration = _registration(webinar)
    url = registration.get_absolute_url()
    client = Client()

    question = client.post(url + "cancel/")

    assert Registration.objects.get(pk=registration.pk).status == "confirmed"
    assert question.status_code == 200
    assert "Cancel your registration for “Paediatric Endocrinology Webinar”?" in question.text
    assert "Yes, cancel my registration" in question.text
    assert f'href="{url}"' in question.text  # "No, keep it" goes back

    done = client.post(url + "cancel/", {"confirm": "1"})

    assert done["Location"] == url
    assert Registration.objects.get(pk=registration.pk).status == "cancelled"


def test_erase_asks_first_and_erases_only_when_confirmed(webinar):
    """The first click on “Erase my data” keeps everything and asks; confirming erases."""
    registration = _registration(webinar)
    url = registration.get_absolute_url()
    client = Client()

    question = client.post(url + "erase/")

    kept = Registration.objects.get(pk=registration.pk)
    assert (kept.email, kept.erased_at) == ("zhang1@hospital.example.cn", None)
    assert "Erase your data for “Paediatric Endocrinology Webinar”?" in question.text
    assert "Yes, erase my data" in question.text

    done = client.post(url + "erase/", {"confirm": "1"})

    erased = Registration.objects.get(pk=registration.pk)
    assert (erased.email, erased.status) == ("", "cancelled")
    assert erased.erased_at is not None
    assert "Your data is erased" in done.text


def test_own_page_shows_the_organisers_time_beside_the_registrants(webinar):
    """A registrant in Los Angeles reads the session in their zone, with the organisers'
    time in Hangzhou beside it; one in Shanghai reads it once."""
    far = _registration(webinar, 1, time_zone="America/Los_Angeles")
    near = _registration(webinar, 2, time_zone="Asia/Shanghai")

    far_page = Client().get(far.get_absolute_url())
    near_page = Client().get(near.get_absolute_url())

    assert [text for _session, text in far_page.context["times"]] == [
        "Friday 16 April 2027, 17:00–18:30 (America/Los_Angeles, UTC-7) — organisers' time: "
        "Saturday 17 April, 08:00–09:30 (Asia/Shanghai, UTC+8)"
    ]
    assert [text for _session, text in near_page.context["times"]] == [
        "Saturday 17 April 2027, 08:00–09:30 (Asia/Shanghai, UTC+8)"
    ]


def test_emails_show_the_organisers_time_in_the_registrants_language(
    webinar, smtp_server, run_worker
):
    """The confirmation, the waiting-list email and the reminder carry both times; in
    Chinese the line reads the Chinese way."""
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    _registration(webinar, 1, time_zone="America/Los_Angeles")
    _registration(webinar, 2, time_zone="Europe/London", language="zh-hans")

    run_worker()
    run_worker()

    bodies = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp_server.messages}
    assert (
        "Friday 16 April 2027, 17:00–18:30 (America/Los_Angeles, UTC-7) — organisers' time: "
        "Saturday 17 April, 08:00–09:30 (Asia/Shanghai, UTC+8)"
    ) in bodies["zhang1@hospital.example.cn"]
    chinese = bodies["zhang2@hospital.example.cn"]
    assert "2027年4月17日 星期六 01:00–02:30（Europe/London，UTC+1）" in chinese
    assert "4月17日 星期六 08:00–09:30（Asia/Shanghai，UTC+8）" in chinese
