"""The demo shows a team registered with a group link and a session whose room and
livestream reports are merged."""

import pytest
from django.core.management import call_command

from amity.registrations.attendance_merge import session_figures
from amity.registrations.demo import TALK_2020, WEBINAR
from amity.registrations.models import GroupLink, GroupSubmission, Registration

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_team_a_group_link_and_merged_attendance():
    call_command("load_demo", people=0, verbosity=0)
    call_command("load_demo", people=0, verbosity=0)  # a second load adds nothing

    (submission,) = GroupSubmission.objects.filter(activity__title=WEBINAR)
    assert submission.label == "Wuhan Children's Hospital, Endocrinology"
    assert submission.registrations.count() == 6
    links = GroupLink.objects.filter(activity__title=WEBINAR)
    assert [link.used_at is not None for link in links.order_by("pk")] == [True, False]

    talk = submission.activity.__class__.objects.get(title=TALK_2020)
    (figures,) = session_figures(talk)
    assert figures.room_people > 0 and figures.stream_viewers > 40
    # Some were in the room and on the stream: counted once.
    assert len(figures.minutes) == figures.unique < figures.room_people + figures.stream_viewers
    assert [(label, way) for label, way, _n in figures.platforms] == [
        ("Zoom", "room"),
        ("bilibili", "stream"),
    ]
    # Merged, the reports give every registrant the minutes the demo meant them to have
    # (one of the demo's figures; none for those who did not come), certificates agree.
    talk_people = Registration.objects.filter(activity=talk)
    minutes = set(talk_people.values_list("minutes_attended", flat=True))
    assert minutes <= {None, 20, 50, 75, 88, 90}
    assert talk_people.filter(minutes_attended__gte=45, certificate__isnull=True).count() == 0
