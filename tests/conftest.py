from dataclasses import dataclass

import pytest

from amity.accounts.models import Role
from tests.factories import (
    DepartmentFactory,
    HomeInstitutionFactory,
    InstitutionFactory,
    PersonFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"


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
