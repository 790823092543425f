from datetime import datetime

import pytest

from amity.events import services as event_services
from amity.events import timing
from amity.registrations import services


@pytest.fixture
def webinar(world):
    """A public webinar on 17 April 2027 at 08:00 in Hangzhou, open for registration with
    no limit."""
    activity = event_services.activity_create(
        fields={
            "title": "Paediatric Endocrinology Webinar",
            "title_local": "儿科内分泌网络研讨会",
            "kind": "webinar",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
            "video_url": "https://meeting.example.org/j/123456",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(activity=activity, fields={"capacity": None})
    return activity


def registrant(n: int, **extra) -> dict:
    return {
        "family_name": f"Zhang{n}",
        "given_name": "Wei",
        "email": f"zhang{n}@hospital.example.cn",
        "institution": "Shanghai Children's Hospital",
        "country": "CN",
        "profession": "physician",
        "time_zone": "Asia/Shanghai",
        "consent": "on",
        **extra,
    }
