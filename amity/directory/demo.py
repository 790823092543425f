"""The demo scenario: ZCH, its departments, the people and partners the seed article names,
and enough synthetic partners and people for lists and filters to mean something.

Loading is idempotent: everything is found by a natural key (institution name, department
slug, person email, username) and created only when missing, so loading twice duplicates
nothing and never overwrites what a user changed.
"""

import random
import unicodedata
from datetime import date

from django.db import transaction

from amity.accounts.models import Role, User
from amity.accounts.services import user_create
from amity.directory import demo_data
from amity.directory.models import (
    Department,
    Experience,
    Institution,
    Language,
    Membership,
    PartnershipStatus,
    Person,
)
from amity.directory.services import (
    department_create,
    institution_create,
    person_link_user,
    person_save,
)

DEMO_PASSWORD = "amity-demo"  # noqa: S105 (printed for the demo on purpose)
SYNTHETIC_PEOPLE = 200
# username, seed person key (None: the first International Affairs Office member), role
DEMO_LOGINS: list[tuple[str, str | None, Role, str]] = [
    ("office", None, Role.OFFICE_STAFF, "office staff, International Affairs Office"),
    ("coordinator", "li-haifeng", Role.COORDINATOR, "department coordinator, Rehabilitation"),
    ("staff", "shen-jie", Role.STAFF, "staff member, Cardiology"),
    ("partner", "@Loma Linda University", Role.PARTNER_CONTACT, "partner contact, Loma Linda"),
    # In the "Hospital leaders" group (amity.reports.demo): may read the reports.
    ("leader", "fu-junfen", Role.STAFF, "hospital leader, sees the reports"),
]


def demo_logins() -> list[tuple[str, str]]:
    return [(username, description) for username, _key, _role, description in DEMO_LOGINS]


def demo_needs_loading() -> bool:
    return not Institution.objects.filter(partnership_status=PartnershipStatus.HOME).exists()


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _institution(data: dict, status: str) -> Institution:
    existing = Institution.objects.filter(name=data["name"]).first()
    if existing:
        return existing
    fields = {k: v for k, v in data.items() if k in _INSTITUTION_FIELDS}
    fields["partnership_status"] = status
    fields["partner_since"] = _date(data.get("partner_since"))
    return institution_create(fields=fields)


_INSTITUTION_FIELDS = {
    "name",
    "name_local",
    "short_name",
    "kind",
    "country",
    "city",
    "time_zone",
    "website",
}


def _person(data: dict, institutions: dict, departments: dict, languages: dict) -> Person:
    existing = Person.objects.filter(email=data["email"]).first()
    if existing:
        return existing
    fields = {
        key: data.get(key, "")
        for key in [
            "family_name",
            "given_name",
            "family_name_local",
            "given_name_local",
            "name_order",
            "title",
            "position",
            "email",
            "time_zone",
        ]
    }
    fields["institution"] = institutions[data["institution"]]
    fields["department"] = departments.get(data.get("department"))
    return person_save(
        person=None,
        fields=fields,
        languages=[languages[code] for code in data.get("languages", []) if code in languages],
        experiences=[
            {
                "kind": e["kind"],
                "institution": institutions.get(e.get("institution")),
                "place": e.get("place", ""),
                "country": e["country"],
                "start_year": e["start_year"],
                "end_year": e.get("end_year"),
                "description": e.get("description", ""),
            }
            for e in data.get("experiences", [])
        ],
        memberships=[
            {
                "society": institutions[m["society"]],
                "role": m["role"],
                "since": _date(m.get("since")),
            }
            for m in data.get("memberships", [])
        ],
    )


def _ascii_slug(text: str) -> str:
    """ "Hoàng.Thị" -> "hoang.thi": accents dropped, letters kept, for e-mail local parts."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch == ".")).lower()


def _synthetic_people(count: int, institutions: dict, departments: dict, languages: dict):
    """Deterministic synthetic staff and partner contacts (same seed, same people)."""
    rng = random.Random(20200522)
    home = next(i for i in institutions.values() if i.is_home)
    partners = [i for i in institutions.values() if not i.is_home]
    department_list = list(departments.values())
    language_by_country = {
        "CN": ["zh", "en"],
        "JP": ["ja", "en"],
        "KR": ["ko", "en"],
        "DE": ["de", "en"],
        "FR": ["fr", "en"],
        "IT": ["it", "en"],
        "ES": ["es", "en"],
        "BR": ["pt", "en"],
        "MX": ["es", "en"],
        "AR": ["es", "en"],
        "CL": ["es", "en"],
        "RU": ["ru", "en"],
        "TH": ["th", "en"],
        "VN": ["vi", "en"],
        "NL": ["nl", "en"],
        "SE": ["sv", "en"],
        "TR": ["tr", "en"],
        "ID": ["id", "en"],
        "MY": ["ms", "en"],
        "EG": ["ar", "en"],
    }
    for index in range(count):
        # About a third are home staff, the rest contacts at partners.
        institution = home if index % 3 == 0 else partners[rng.randrange(len(partners))]
        country = institution.country.code
        pool = demo_data.NAME_POOLS.get(country) or demo_data.NAME_POOLS["US"]
        fi = rng.randrange(len(pool["family"]))
        gi = rng.randrange(len(pool["given"]))
        family, given = pool["family"][fi], pool["given"][gi]
        email_domain = (institution.short_name or institution.name.split()[0]).lower()
        email_domain = "".join(ch for ch in email_domain if ch.isalnum()) or "partner"
        local_part = _ascii_slug(f"{given}.{family}.{index}")
        email = f"{local_part}@{email_domain}.example.org"
        data = {
            "family_name": family,
            "given_name": given,
            "family_name_local": pool["family_local"][fi] if pool.get("family_local") else "",
            "given_name_local": pool["given_local"][gi] if pool.get("given_local") else "",
            "name_order": pool.get("order", "given_first"),
            "title": rng.choice(["Dr.", "Dr.", "Prof.", ""]),
            "position": rng.choice(demo_data.POSITIONS),
            "email": email,
            "institution": institution.name,
            "department": department_list[rng.randrange(len(department_list))].slug
            if institution.is_home
            else None,
            "time_zone": institution.time_zone,
            "languages": language_by_country.get(country, ["en"]),
            "experiences": [],
        }
        if institution.is_home and rng.random() < 0.25:
            abroad = partners[rng.randrange(len(partners))]
            start = rng.randrange(2005, 2020)
            data["experiences"].append(
                {
                    "kind": rng.choice(["study", "fellowship", "visit", "work"]),
                    "institution": abroad.name,
                    "country": abroad.country.code,
                    "start_year": start,
                    "end_year": start + rng.randrange(1, 3),
                }
            )
        yield data


@transaction.atomic
def load_demo(*, synthetic_people: int = SYNTHETIC_PEOPLE) -> dict[str, int]:
    """Create whatever of the demo scenario is missing. Returns how many rows of each kind
    exist afterwards."""
    institutions = {demo_data.HOME["name"]: _institution(demo_data.HOME, PartnershipStatus.HOME)}
    for data in demo_data.PARTNERS:
        institutions[data["name"]] = _institution(data, data["partnership_status"])
    departments = {}
    for data in demo_data.DEPARTMENTS:
        departments[data["slug"]] = Department.objects.filter(slug=data["slug"]).first() or (
            department_create(fields=data)
        )
    languages = {language.code: language for language in Language.objects.all()}

    seed_people = {}
    for data in demo_data.SEED_PEOPLE:
        seed_people[data["key"]] = _person(data, institutions, departments, languages)
    for data in _synthetic_people(synthetic_people, institutions, departments, languages):
        _person(data, institutions, departments, languages)

    for username, key, role, _description in DEMO_LOGINS:
        person = _demo_login_person(key, seed_people)
        user = User.objects.filter(username=username).first() or user_create(
            username=username, email=person.email, password=DEMO_PASSWORD, role=role
        )
        if person.user_id is None:
            person_link_user(person=person, user=user)

    return {
        "institutions": Institution.objects.count(),
        "countries": Institution.objects.values("country").distinct().count(),
        "departments": Department.objects.count(),
        "people": Person.objects.count(),
        "experiences": Experience.objects.count(),
        "memberships": Membership.objects.count(),
        "logins": User.objects.count(),
    }


def _demo_login_person(key: str | None, seed_people: dict[str, Person]) -> Person:
    people = list(seed_people.values())
    if key is None:
        return next(
            p for p in people if p.department and p.department.slug == "international-affairs"
        )
    if key.startswith("@"):
        return next(p for p in people if p.institution.name == key[1:])
    return seed_people[key]
