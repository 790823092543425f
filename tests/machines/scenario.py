"""What the two-server storage checks start from, written by machine A into the shared
database: logins, a public lecture that took place two years ago, and registrants who
attended it and hold certificates (their PDFs drawn into the shared storage).

Run inside a machine (``Machine.python``): ``build(registrants)`` prints one JSON line
with the ids, the password and each registrant's signed link."""

import json
from datetime import datetime

from amity.accounts.models import Role
from amity.events import services as event_services
from amity.events import timing
from amity.registrations import services as registration_services
from amity.registrations.certify import certificates_issue
from amity.registrations.models import Certificate
from tests.factories import DepartmentFactory, HomeInstitutionFactory, PersonFactory, UserFactory
from tests.machines.servers import MARK

PASSWORD = "correct horse battery"  # tests.factories' password


def _login(username: str, role: str, **person):
    user = UserFactory(username=username, role=role)
    PersonFactory(user=user, **person)
    return user


def build(registrants: int = 1) -> dict:
    home = HomeInstitutionFactory()
    rehab = DepartmentFactory(name="Rehabilitation", name_local="康复科", slug="rehabilitation")
    zch = {"institution": home, "time_zone": "Asia/Shanghai", "department": rehab}
    _login("office", Role.OFFICE_STAFF, family_name="Wang", given_name="Lina", **zch)
    _login("staff", Role.STAFF, family_name="Shen", given_name="Jie", **zch)
    activity = event_services.activity_create(
        fields={
            "title": "Remote International Classroom",
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "public",
            "department": rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2024, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    registration_services.registration_settings_save(
        activity=activity,
        fields={"capacity": None, "certificate_minimum_minutes": 45, "retention_days": 3650},
    )
    for n in range(1, registrants + 1):
        created = registration_services.registration_create(
            activity=activity,
            fields={
                "family_name": f"Zhang{n}",
                "given_name": "Wei",
                "name_local": "张伟",
                "email": f"zhang{n}@hospital.example.cn",
                "institution": "Shanghai Children's Hospital",
                "country": "CN",
                "profession": "physician",
                "time_zone": "Asia/Shanghai",
            },
        )
        registration_services.registration_check_in(registration=created.registration, present=True)
    certificates_issue(activity_id=activity.pk)
    holders = Certificate.objects.select_related("registration").order_by("pk")
    return {
        "activity": activity.pk,
        "password": PASSWORD,
        "certificates": [
            {
                "link": c.registration.get_absolute_url(),
                "key": f"certificates/{activity.pk}/{c.file}",
            }
            for c in holders
        ],
    }


def main(registrants: int = 1) -> None:
    """Build, and print the result for ``servers.marked_json(output)``."""
    print(MARK + json.dumps(build(registrants)), flush=True)
