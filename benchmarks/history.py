"""A generated history of international exchange, for the reports' benchmark and tests.

``build_history`` fills an EMPTY, migrated database with ``years`` years (ending with
``end_year``) of what Amity records, bulk-created as the services would have left it:
partner institutions in 40 countries (``partner_since`` spread over the years), home staff
(some with experience abroad) and partner people; activities of every kind with their
partners, sessions (a few cancelled, a few cancelled activities), registrations (confirmed,
waiting, cancelled; some erased; most with attendance), directory attendance at sessions;
letters sent and received, shared documents and partners' downloads, aid shipments, joint
studies with monthly enrolment and course completions. Deterministic for a ``seed``.

It lives outside the ``amity`` package on purpose: it writes every domain's tables, which
no app of Amity may do (tests/test_layers.py).
"""

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

COUNTRIES = [
    ("US", "America/New_York"), ("GB", "Europe/London"), ("DE", "Europe/Berlin"),
    ("FR", "Europe/Paris"), ("IT", "Europe/Rome"), ("ES", "Europe/Madrid"),
    ("NL", "Europe/Amsterdam"), ("SE", "Europe/Stockholm"), ("CH", "Europe/Zurich"),
    ("CA", "America/Toronto"), ("AU", "Australia/Sydney"), ("NZ", "Pacific/Auckland"),
    ("JP", "Asia/Tokyo"), ("KR", "Asia/Seoul"), ("SG", "Asia/Singapore"),
    ("TH", "Asia/Bangkok"), ("VN", "Asia/Ho_Chi_Minh"), ("MY", "Asia/Kuala_Lumpur"),
    ("ID", "Asia/Jakarta"), ("PH", "Asia/Manila"), ("IN", "Asia/Kolkata"),
    ("PK", "Asia/Karachi"), ("NP", "Asia/Kathmandu"), ("LK", "Asia/Colombo"),
    ("KH", "Asia/Phnom_Penh"), ("LA", "Asia/Vientiane"), ("MN", "Asia/Ulaanbaatar"),
    ("KZ", "Asia/Almaty"), ("UZ", "Asia/Tashkent"), ("RU", "Europe/Moscow"),
    ("TR", "Europe/Istanbul"), ("EG", "Africa/Cairo"), ("ET", "Africa/Addis_Ababa"),
    ("KE", "Africa/Nairobi"), ("TZ", "Africa/Dar_es_Salaam"), ("ZA", "Africa/Johannesburg"),
    ("NG", "Africa/Lagos"), ("BR", "America/Sao_Paulo"), ("MX", "America/Mexico_City"),
    ("CL", "America/Santiago"),
]  # fmt: skip
KINDS = ["forum", "lecture", "webinar", "call", "classroom", "series"]
PROFESSIONS = [
    "physician", "nurse", "therapist", "pharmacist", "researcher", "student",
    "administrator", "other",
]  # fmt: skip
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 5000


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def build_history(
    *,
    seed: int = 2026,
    institutions: int = 500,
    activities: int = 5000,
    registrations: int = 200_000,
    attendance: int = 1_000_000,
    end_year: int = 2026,
    years: int = 5,
    using: str = "default",
) -> dict:
    """Fill the (empty, migrated) database; returns how many rows of each kind were made."""
    from amity.aid.models import Shipment, ShipmentEvent
    from amity.directory.models import Department, Experience, Institution, Person
    from amity.events.models import Activity, Attendance, Session
    from amity.learning.models import CourseCompletion, ExternalCourse
    from amity.registrations.models import Registration
    from amity.relations.models import Campaign, IncomingLetter, Letter
    from amity.research.models import Enrolment, Site, Study
    from amity.sharing.models import Document, DocumentVersion, DownloadLog

    rng = random.Random(seed)
    first_year = end_year - years + 1
    first_day = dt.date(first_year, 1, 1)
    span_days = (dt.date(end_year, 12, 31) - first_day).days + 1

    def day() -> dt.date:
        return first_day + dt.timedelta(days=rng.randrange(span_days))

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def bulk(model, rows):
        return model.objects.using(using).bulk_create(rows, batch_size=BATCH)

    # --- directory ----------------------------------------------------------------------
    home = (
        Institution.objects.using(using).filter(partnership_status="home").first()
        or bulk(
            Institution,
            [
                Institution(
                    name="Generated Children's Hospital",
                    name_local="生成儿童医院",
                    short_name="GCH",
                    kind="hospital",
                    country="CN",
                    city="Hangzhou",
                    time_zone="Asia/Shanghai",
                    partnership_status="home",
                )
            ],
        )[0]
    )
    partners = bulk(
        Institution,
        [
            Institution(
                name=f"Partner Institution {i:04d}",
                kind=rng.choice(["hospital", "university", "hospital", "society"]),
                country=(country := COUNTRIES[i % len(COUNTRIES)])[0],
                city=f"City {i % 97}",
                time_zone=country[1],
                partnership_status=rng.choice(["active", "active", "active", "dormant"]),
                partner_since=first_day
                - dt.timedelta(days=365 * 3)
                + dt.timedelta(days=rng.randrange(span_days + 365 * 3)),
            )
            for i in range(institutions)
        ],
    )
    departments = bulk(
        Department,
        [
            Department(name=f"Department {i:02d}", name_local=f"科室{i:02d}", slug=f"dept-{i:02d}")
            for i in range(12)
        ],
    )
    staff_count = max(20, institutions * 2)
    staff = bulk(
        Person,
        [
            Person(
                family_name=f"Staff{i:05d}",
                given_name="Home",
                institution=home,
                department=rng.choice(departments),
                time_zone="Asia/Shanghai",
                name_order="family_first",
            )
            for i in range(staff_count)
        ],
    )
    guests = bulk(
        Person,
        [
            Person(
                family_name=f"Guest{i:05d}",
                given_name="Partner",
                institution=partners[i % len(partners)],
                time_zone=partners[i % len(partners)].time_zone,
            )
            for i in range(institutions * 8)
        ],
    )
    people = staff + guests
    experiences = bulk(
        Experience,
        [
            Experience(
                person=person,
                kind=rng.choice(["study", "work", "visit", "fellowship"]),
                institution=rng.choice(partners),
                country=rng.choice(COUNTRIES)[0],
                start_year=(start := rng.randrange(first_year - 10, end_year + 1)),
                end_year=start + rng.randrange(0, 3),
            )
            for person in staff
            if rng.random() < 0.2
        ],
    )

    # --- activities and sessions ---------------------------------------------------------
    activity_days = sorted(day() for _ in range(activities))
    activity_rows = bulk(
        Activity,
        [
            Activity(
                uid=uid(),
                title=f"Exchange {i:05d}",
                title_local=f"交流活动{i:05d}",
                kind=rng.choice(KINDS),
                department=rng.choice(departments),
                visibility="staff",
                status="cancelled" if rng.random() < 0.03 else "held",
                time_zone="Asia/Shanghai",
            )
            for i in range(activities)
        ],
    )
    through = Activity.partners.through
    bulk(
        through,
        [
            through(activity_id=activity.pk, institution_id=partner.pk)
            for activity in activity_rows
            for partner in rng.sample(partners, rng.choice([0, 1, 1, 2, 3]))
        ],
    )
    sessions = []
    for activity, first in zip(activity_rows, activity_days, strict=True):
        for n in range(rng.choice([1, 1, 2, 3, 4, 5])):
            starts = _at(
                first + dt.timedelta(days=7 * n), rng.randrange(8, 20), 30 * rng.randrange(2)
            )
            sessions.append(
                Session(
                    uid=uid(),
                    activity=activity,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=rng.choice([45, 60, 90, 120, 180])),
                    status="cancelled" if rng.random() < 0.02 else "scheduled",
                )
            )
    sessions = bulk(Session, sessions)

    # --- registrations ----------------------------------------------------------------------
    regs = []
    for i in range(registrations):
        index = rng.randrange(len(activity_rows))
        activity = activity_rows[index]
        at = _at(activity_days[index] - dt.timedelta(days=rng.randrange(1, 30)), 9)
        status = rng.choices(["confirmed", "waiting", "cancelled"], weights=[88, 5, 7])[0]
        attended = status == "confirmed" and rng.random() < 0.75
        regs.append(
            Registration(
                activity=activity,
                uid=uid(),
                email=f"registrant{i:07d}@example.org",
                family_name=f"Registrant{i:07d}",
                given_name="Gen",
                institution=f"Partner Institution {rng.randrange(institutions):04d}",
                country=rng.choice(COUNTRIES)[0] if rng.random() < 0.95 else "",
                profession=rng.choice(PROFESSIONS),
                status=status,
                consent_at=at,
                created_at=at,
                queued_at=at,
                checked_in=attended and rng.random() < 0.3,
                minutes_attended=rng.randrange(10, 180) if attended else None,
                erased_at=at if rng.random() < 0.01 else None,
            )
        )
        if len(regs) >= BATCH:
            bulk(Registration, regs)
            regs = []
    bulk(Registration, regs)

    # --- attendance at sessions (people of the directory) --------------------------------
    live = [s for s in sessions if s.status == "scheduled"]
    per_session = max(1, attendance // max(1, len(live)))
    made = 0
    rows = []
    for index, session in enumerate(live):
        want = min(len(people), per_session if index < len(live) - 1 else attendance - made)
        want = max(0, min(want, attendance - made))
        for person in rng.sample(people, want):
            rows.append(
                Attendance(
                    session_id=session.pk, person_id=person.pk, minutes=rng.randrange(20, 120)
                )
            )
        made += want
        if len(rows) >= BATCH:
            bulk(Attendance, rows)
            rows = []
        if made >= attendance:
            break
    bulk(Attendance, rows)

    # --- letters ------------------------------------------------------------------------------
    campaigns = bulk(
        Campaign,
        [
            Campaign(
                name=f"Greetings {year} Q{q}",
                subject_en="Greetings",
                body_en="Dear colleague",
                status="sent",
                letter_date=dt.date(year, 3 * q - 2, 15),
                sent_at=_at(dt.date(year, 3 * q - 2, 15), 10),
            )
            for year in range(first_year, end_year + 1)
            for q in (1, 2, 3, 4)
        ],
    )
    letters = []
    for campaign in campaigns:
        for person in rng.sample(guests, min(len(guests), max(5, institutions // 5))):
            letters.append(
                Letter(
                    campaign=campaign,
                    person=person,
                    institution_id=person.institution_id,
                    recipient_name=person.family_name,
                    language="en",
                    subject_en="Greetings",
                    body_en="Dear colleague",
                    created_at=campaign.sent_at,
                )
            )
    letters = bulk(Letter, letters)
    incoming = bulk(
        IncomingLetter,
        [
            IncomingLetter(
                institution=rng.choice(partners),
                sender_name="A partner",
                received_on=day(),
                subject=f"Letter {i}",
            )
            for i in range(max(10, institutions // 2))
        ],
    )

    # --- documents and downloads ---------------------------------------------------------
    documents = bulk(
        Document,
        [
            Document(
                title=f"Shared document {i:04d}",
                kind=rng.choice(["guideline", "protocol", "case", "slides"]),
                scope=rng.choice(["internal", "all_partners", "all_partners", "chosen"]),
                created_at=_at(day(), 9),
            )
            for i in range(max(20, institutions // 2))
        ],
    )
    versions = bulk(
        DocumentVersion,
        [
            DocumentVersion(
                document=document,
                number=1,
                link=f"https://example.org/documents/{document.pk}",
                uploaded_at=document.created_at,
            )
            for document in documents
        ],
    )
    downloads = bulk(
        DownloadLog,
        [
            DownloadLog(
                document_id=(version := rng.choice(versions)).document_id,
                version=version,
                institution=rng.choice(partners + [home]),
                at=_at(day(), rng.randrange(0, 24)),
                via="web",
            )
            for _ in range(institutions * 10)
        ],
    )

    # --- aid ------------------------------------------------------------------------------------
    shipments = bulk(
        Shipment,
        [
            Shipment(institution=rng.choice(partners), status="received")
            for _ in range(institutions // 2)
        ],
    )
    bulk(
        ShipmentEvent,
        [ShipmentEvent(shipment=shipment, status="shipped", on=day()) for shipment in shipments],
    )

    # --- research ---------------------------------------------------------------------------------
    studies = bulk(
        Study,
        [
            Study(
                title=f"Joint study {i:03d}",
                design="observational",
                status="enrolling",
                lead_institution=home,
                principal_investigator=rng.choice(staff),
            )
            for i in range(max(3, institutions // 25))
        ],
    )
    sites = bulk(
        Site,
        [
            Site(study=study, institution=institution, status="active")
            for study in studies
            for institution in [home, *rng.sample(partners, min(len(partners), 4))]
        ],
    )
    months = [dt.date(y, m, 1) for y in range(first_year, end_year + 1) for m in range(1, 13)]
    enrolments = bulk(
        Enrolment,
        [
            Enrolment(site=site, month=month, count=rng.randrange(0, 12))
            for site in sites
            for month in rng.sample(months, min(len(months), 12))
        ],
    )

    # --- learning ---------------------------------------------------------------------------------
    courses = bulk(
        ExternalCourse,
        [
            ExternalCourse(
                title=f"Course {i:03d}", url=f"https://example.org/courses/{i}", for_doctors=True
            )
            for i in range(20)
        ],
    )
    pairs = {(rng.randrange(len(courses)), rng.randrange(len(staff))) for _ in range(institutions)}
    completions = bulk(
        CourseCompletion,
        [
            CourseCompletion(course=courses[c], person=staff[p], completed_on=day())
            for c, p in sorted(pairs)
        ],
    )

    return {
        "institutions": len(partners),
        "people": len(people),
        "experiences": len(experiences),
        "activities": len(activity_rows),
        "sessions": len(sessions),
        "registrations": registrations,
        "attendance": made,
        "letters": len(letters),
        "letters received": len(incoming),
        "documents": len(documents),
        "downloads": len(downloads),
        "shipments": len(shipments),
        "studies": len(studies),
        "enrolments": len(enrolments),
        "completions": len(completions),
        "years": list(range(first_year, end_year + 1)),
    }
