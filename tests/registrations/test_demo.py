import pytest
from django.core.management import call_command

from amity.events.demo import PAST
from amity.events.models import Activity, Attendance
from amity.registrations.demo import PAST_REGISTRANTS, TALK_2020, WEBINAR, WORKSHOP
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


def test_demo_past_exchanges_have_registrants_before_them_and_attendance_once():
    """The lectures and forums of the last two years have their confirmed registrants, each
    registered before the first session, most with minutes attended; the calls, classrooms
    and the lecture series have who was present at each session. A second load adds
    nothing."""
    call_command("load_demo", people=0, verbosity=0)
    attendance = Attendance.objects.filter(session__activity__title__in=[p.title for p in PAST])
    recorded = attendance.count()
    call_command("load_demo", people=0, verbosity=0)

    for title, (count, _seed, _minutes, profession) in PAST_REGISTRANTS.items():
        activity = Activity.objects.get(title=title)
        rows = Registration.objects.filter(activity=activity)
        assert rows.count() == rows.confirmed().count() == count, title
        first = activity.sessions.order_by("starts_at").first().starts_at
        assert rows.filter(created_at__gte=first).count() == 0, title
        assert 0 < rows.filter(minutes_attended__gt=0).count() < count, title
        assert activity.registration_settings.is_open is False
        if profession:
            assert set(rows.values_list("profession", flat=True)) == {profession}
    assert sum(count for count, *_rest in PAST_REGISTRANTS.values()) == 860
    # Call: 8 members × 4 sessions; classrooms: 2 × 4 each; the series: 4 × 3 (people=0).
    assert attendance.count() == recorded == 32 + 2 * 8 + 12
    assert 0 < attendance.filter(present=True).count() < recorded
