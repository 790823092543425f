from dataclasses import dataclass
from datetime import date, datetime, time

import pytest

from amity.accounts.models import Role
from amity.events import services, timing
from amity.events.models import ParticipantRole
from tests.factories import (
    DepartmentFactory,
    HomeInstitutionFactory,
    InstitutionFactory,
    PersonFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (feeds are cached between requests)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: the locale middleware leaves the last
    request's language active in the thread, so a test that read a page in Chinese would
    otherwise hand Chinese messages to the next test."""
    from django.utils import translation

    yield
    translation.deactivate()


@dataclass
class World:
    """A small directory with one login of each role."""

    home: object
    partner: object
    other_partner: object
    rehab: object
    cardiology: object
    office: object
    coordinator: object
    staff: object
    partner_contact: object
    rehab_colleague: object
    cardiology_colleague: object
    other_partner_contact: object

    def user(self, role: str):
        return {
            "anonymous": None,
            "office": self.office,
            "coordinator": self.coordinator,
            "staff": self.staff,
            "partner": self.partner_contact,
        }[role]


def person_with_login(role: Role, **person_fields):
    user = UserFactory(role=role)
    PersonFactory(user=user, **person_fields)
    return user


@pytest.fixture
def world(db) -> World:
    home = HomeInstitutionFactory()
    partner = InstitutionFactory(
        name="Loma Linda University",
        country="US",
        city="Loma Linda",
        time_zone="America/Los_Angeles",
        kind="university",
    )
    other_partner = InstitutionFactory(
        name="Great Ormond Street Hospital", country="GB", city="London", time_zone="Europe/London"
    )
    rehab = DepartmentFactory(name="Rehabilitation", name_local="康复科", slug="rehabilitation")
    cardiology = DepartmentFactory(name="Cardiology", name_local="心内科", slug="cardiology")
    zch = {"institution": home, "time_zone": "Asia/Shanghai", "name_order": "family_first"}
    return World(
        home=home,
        partner=partner,
        other_partner=other_partner,
        rehab=rehab,
        cardiology=cardiology,
        office=person_with_login(Role.OFFICE_STAFF, family_name="Wang", given_name="Lina", **zch),
        coordinator=person_with_login(
            Role.COORDINATOR,
            family_name="Li",
            given_name="Haifeng",
            family_name_local="李",
            given_name_local="海峰",
            department=rehab,
            **zch,
        ),
        staff=person_with_login(
            Role.STAFF, family_name="Shen", given_name="Jie", department=cardiology, **zch
        ),
        partner_contact=person_with_login(
            Role.PARTNER_CONTACT,
            family_name="Carter",
            given_name="Emily",
            institution=partner,
            time_zone="America/Los_Angeles",
        ),
        rehab_colleague=PersonFactory(
            family_name="Zhao", given_name="Min", department=rehab, **zch
        ),
        cardiology_colleague=PersonFactory(
            family_name="Chen", given_name="Yu", department=cardiology, **zch
        ),
        other_partner_contact=PersonFactory(
            family_name="Hughes",
            given_name="Oliver",
            institution=other_partner,
            time_zone="Europe/London",
        ),
    )


@pytest.fixture
def login(client):
    """Log the test client in as a user (None stays anonymous)."""

    def _login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def run_worker():
    """Run the background worker until nothing is due, as ``amity worker --batch`` does."""
    from django.core.management import call_command

    def _run():
        call_command(
            "db_worker",
            queue_name="*",
            batch=True,
            interval=0,
            reload=False,
            startup_delay=False,
            verbosity=0,
        )

    return _run


@pytest.fixture
def cicu(world):
    """A weekly call organised in New York at 16:00, crossing the US (14 March 2027) and
    EU (28 March 2027) DST changes, with Loma Linda and London as partners."""
    activity = services.activity_create(
        fields={
            "title": "CICU Response weekly call",
            "kind": "call",
            "status": "confirmed",
            "visibility": "partners",
            "department": world.cardiology,
            "time_zone": "America/New_York",
            "video_provider": "zoom",
            "video_url": "https://zoom.example.org/j/1",
        },
        partners=[world.partner, world.other_partner],
    )
    services.series_create(
        activity=activity,
        start_date=date(2027, 3, 3),
        start_time=time(16, 0),
        time_zone="America/New_York",
        rrule="FREQ=WEEKLY;COUNT=6",
        duration_minutes=60,
    )
    services.participant_add(
        activity=activity, person=world.staff.person, role=ParticipantRole.PARTICIPANT
    )
    return activity


@pytest.fixture
def lecture(world):
    """A public lecture held once, planned in Hangzhou."""
    activity = services.activity_create(
        fields={
            "title": "Remote International Classroom",
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    return activity
