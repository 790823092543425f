import pytest
from django.core.management import call_command

from amity.registrations.demo import TALK_2020, WEBINAR, WORKSHOP
from amity.registrations.models import Certificate, Registration

pytestmark = pytest.mark.django_db


def test_demo_has_an_open_webinar_a_full_workshop_and_the_2020_talks_certificates():
    call_command("load_demo", people=0, verbosity=0)
    call_command("load_demo", people=0, verbosity=0)  # a second load adds nothing

    webinar = Registration.objects.filter(activity__title=WEBINAR)
    # 180 registered one by one, 6 as a team with a group link (group_demo).
    assert webinar.count() == 186
    assert webinar.first().activity.registration_settings.accepting_now()
    workshop = Registration.objects.filter(activity__title=WORKSHOP)
    assert (workshop.confirmed().count(), workshop.waiting().count()) == (20, 6)
    talk = Registration.objects.filter(activity__title=TALK_2020)
    eligible = talk.filter(minutes_attended__gte=45).count()
    assert 0 < eligible < talk.count() == 240
    assert Certificate.objects.filter(registration__activity__title=TALK_2020).count() == eligible
