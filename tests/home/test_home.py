import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_home_lists_what_is_coming_up_that_the_user_may_see(
    world, client, cicu, lecture, monkeypatch
):
    from amity.events import services

    internal = services.activity_create(
        fields={
            "title": "Journal club",
            "kind": "lecture",
            "visibility": "staff",
            "time_zone": "Asia/Shanghai",
        }
    )
    services.session_create(
        activity=internal,
        starts_at=timezone.now() + timezone.timedelta(days=1),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    client.force_login(world.partner_contact)
    coming = [s.activity.title for s in client.get("/").context["coming_up"]]
    assert "Journal club" not in coming
    # The six soonest it may see: the weekly call's March sessions come before the lecture.
    assert coming == ["CICU Response weekly call"] * 6

    client.force_login(world.staff)
    coming = [s.activity.title for s in client.get("/").context["coming_up"]]
    assert coming[0] == "Journal club"
    assert len(coming) == 6
