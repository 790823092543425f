"""Demo registrations: the 2020 talk to nearly 10,000 (held: registrants with their minutes
attended and certificates), and an upcoming nationwide webinar open for registration,
with a limited companion workshop that is full and has a waiting list.

The lectures and forums held in the last two years (``amity.events.demo.PAST``) get their
registrants with the minutes each attended, as a video service's report gives them; the
calls, classrooms and the lecture series held for members get who was present at each
session, as the organiser records it.

Loading twice adds nothing (activities are found by title)."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from amity.directory.models import Department, Institution, Language, Person
from amity.events import services as event_services
from amity.events import timing
from amity.events.demo import (
    APPES_FORUM,
    GROWTH_CLASSROOM,
    NURSING_EXCHANGE,
    PAST,
    PDA_FORUM_PARTNERS,
    PUBERTY_CLASSROOM,
)
from amity.events.models import Activity, Attendance, ParticipantRole, SessionStatus
from amity.registrations import rooms, services
from amity.registrations.certify import new_certificates
from amity.registrations.group_demo import load_group_demo
from amity.registrations.models import (
    Offer,
    Question,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    WayIn,
)

TALK_2020 = "Diagnosis and Management of Pediatric Diseases under COVID-19"
WEBINAR = "Nationwide Webinar: Growth Disorders in Children"
WORKSHOP = "Hands-on Workshop: Paediatric Growth Assessment"

FAMILY = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
    ("Yang", "杨"), ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"),
]  # fmt: skip
GIVEN = [("Wei", "伟"), ("Fang", "芳"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"),
         ("Yan", "燕"), ("Jun", "军"), ("Hui", "慧"), ("Qiang", "强"), ("Na", "娜")]  # fmt: skip
HOSPITALS = [
    ("Children's Hospital of Fudan University", "CN"),
    ("Beijing Children's Hospital", "CN"),
    ("Shenzhen Children's Hospital", "CN"),
    ("Wuhan Children's Hospital", "CN"),
    ("Guangzhou Women and Children's Medical Center", "CN"),
    ("Kunming Children's Hospital", "CN"),
    ("National Taiwan University Hospital", "TW"),
    ("KK Women's and Children's Hospital", "SG"),
    ("Loma Linda University Children's Hospital", "US"),
    ("Hospital das Clínicas", "BR"),
]
ZONES = {"CN": "Asia/Shanghai", "TW": "Asia/Taipei", "SG": "Asia/Singapore",
         "US": "America/Los_Angeles", "BR": "America/Sao_Paulo"}  # fmt: skip
PROFESSIONS = ["physician"] * 6 + ["nurse"] * 2 + ["student", "researcher"]


def _people(count: int, seed: int):
    rng = random.Random(seed)  # noqa: S311 - demo data
    for n in range(count):
        family, family_zh = rng.choice(FAMILY)
        given, given_zh = rng.choice(GIVEN)
        hospital, country = rng.choice(HOSPITALS)
        chinese = country in ("CN", "TW", "SG")
        yield {
            "family_name": family,
            "given_name": given,
            "name_local": f"{family_zh}{given_zh}" if chinese else "",
            "email": f"{given.lower()}.{family.lower()}.{seed}.{n}@hospital.example.cn",
            "institution": hospital,
            "country": country,
            "profession": rng.choice(PROFESSIONS),
            "time_zone": ZONES[country],
            "language": "zh-hans" if country == "CN" else "en",
        }


def _bulk(
    activity: Activity, people, *, status=RegistrationStatus.CONFIRMED, minutes=None, before=None
):
    """Demo rows written directly (no emails go out for them), registered one every five
    minutes back from ``before`` (now when None)."""
    now = before or timezone.now()
    rng = random.Random(activity.pk)  # noqa: S311 - demo data
    rows = []
    for n, fields in enumerate(people):
        at = now - timedelta(minutes=5 * n)
        rows.append(
            Registration(
                activity=activity,
                status=status,
                consent_at=at,
                created_at=at,
                queued_at=at,
                minutes_attended=rng.choice(minutes) if minutes else None,
                **fields,
            )
        )
    Registration.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def load_demo_registrations() -> int:
    created = 0
    talk = Activity.objects.filter(title=TALK_2020).first()
    if talk is not None and not hasattr(talk, "registration_settings"):
        services.registration_settings_save(
            activity=talk,
            fields={"capacity": None, "is_open": False, "certificate_minimum_minutes": 45},
        )
        created += _bulk(talk, _people(240, seed=2020), minutes=[0, 20, 50, 75, 88, 90])
        # Codes for everyone who stayed 45 minutes; the PDFs are drawn when downloaded.
        new_certificates(talk, talk.registration_settings)

    if not Activity.objects.filter(title=WEBINAR).exists():
        endocrinology = Department.objects.filter(slug="endocrinology").first()
        webinar = event_services.activity_create(
            fields={
                "title": WEBINAR,
                "title_local": "全国网络研讨会：儿童生长障碍",
                "kind": "webinar",
                "status": "confirmed",
                "visibility": "public",
                "department": endocrinology,
                "time_zone": "Asia/Shanghai",
                "video_provider": "zoom",
                "video_url": "https://zoom.us/j/3333333333",
                "expected_audience": 10000,
                "description": "Paediatricians of the whole country learn how to assess and "
                "treat growth disorders, with Prof. Fu Junfen and Prof. Ron Rosenfeld. "
                "Open to everyone; register to receive the link.",
            },
            # Co-organised with Stanford (Prof. Rosenfeld): the form asks separately for
            # consent to provide the registrant's data to a partner abroad.
            partners=Institution.objects.filter(short_name="Stanford"),
            languages=Language.objects.filter(code__in=["en", "zh"]),
        )
        day = timezone.localdate() + timedelta(days=14)
        event_services.session_create(
            activity=webinar,
            starts_at=timing.resolve_local(datetime.combine(day, time(14, 0)), "Asia/Shanghai"),
            duration_minutes=90,
            time_zone="Asia/Shanghai",
        )
        services.registration_settings_save(activity=webinar, fields={"capacity": 10000})
        Question.objects.create(
            activity=webinar,
            label="Years in paediatric practice",
            label_local="儿科从业年限",
            kind=Question.Kind.CHOICE,
            choices="Under 5\n5 to 15\nOver 15",
            position=1,
        )
        # Health information is sensitive under PIPL: asked only with its own consent.
        Question.objects.create(
            activity=webinar,
            label="Do you need support to take part (e.g. captions for hearing loss)?",
            label_local="您是否需要参会辅助（如因听力障碍需要字幕）？",
            kind=Question.Kind.TEXT,
            required=False,
            sensitive=True,
            position=2,
        )
        created += _bulk(webinar, _people(180, seed=2026))

        workshop = event_services.activity_create(
            fields={
                "title": WORKSHOP,
                "title_local": "实操工作坊：儿童生长评估",
                "kind": "classroom",
                "status": "confirmed",
                "visibility": "public",
                "department": endocrinology,
                "time_zone": "Asia/Shanghai",
                "video_provider": "tencent",
                "video_url": "https://meeting.tencent.com/dm/demo-workshop",
                "description": "Small-group practice after the webinar; 20 places.",
            },
            languages=Language.objects.filter(code__in=["zh"]),
        )
        event_services.session_create(
            activity=workshop,
            starts_at=timing.resolve_local(
                datetime.combine(day + timedelta(days=1), time(9, 0)), "Asia/Shanghai"
            ),
            duration_minutes=120,
            time_zone="Asia/Shanghai",
        )
        services.registration_settings_save(activity=workshop, fields={"capacity": 20})
        people = list(_people(26, seed=2027))
        created += _bulk(workshop, people[:20])
        created += _bulk(workshop, people[20:], status=RegistrationStatus.WAITING)
    created += load_group_demo(WEBINAR, TALK_2020)
    _demo_rooms_and_offers()
    created += _past_registrations()
    return created


# Registrants of the lectures and forums held in the last two years: how many, the seed of
# their synthetic names, the minutes a video service's report could give each (0: did not
# come) and, for an exchange between nurses, their profession.
PAST_REGISTRANTS: dict[str, tuple[int, int, list[int], str]] = {
    GROWTH_CLASSROOM: (210, 2501, [0, 0, 20, 45, 70, 85, 90, 90], ""),
    PDA_FORUM_PARTNERS: (160, 2502, [0, 30, 60, 120, 150, 180, 180], ""),
    PUBERTY_CLASSROOM: (240, 2601, [0, 15, 45, 70, 85, 90, 90], ""),
    APPES_FORUM: (180, 2602, [0, 30, 90, 150, 210, 270], ""),
    NURSING_EXCHANGE: (70, 2603, [0, 45, 90, 135, 180, 180], "nurse"),
}


def _past_registrations() -> int:
    """Registrants of the held lectures and forums (those without registration settings
    yet): closed, kept three years for the reports, everyone registered before the first
    session."""
    created = 0
    for title, (count, seed, minutes, profession) in PAST_REGISTRANTS.items():
        activity = Activity.objects.filter(title=title).first()
        if activity is None or hasattr(activity, "registration_settings"):
            continue
        first = activity.sessions.order_by("starts_at").first()
        if first is None:
            continue
        services.registration_settings_save(
            activity=activity,
            fields={"capacity": None, "is_open": False, "retention_days": 3 * 365},
        )
        people = _people(count, seed=seed)
        if profession:
            people = ({**fields, "profession": profession} for fields in people)
        created += _bulk(
            activity, people, minutes=minutes, before=first.starts_at - timedelta(hours=1)
        )
    return created


@transaction.atomic
def load_demo_attendance() -> int:
    """Who was present at each session held of the members' activities of ``PAST`` (calls,
    classrooms, the lecture series): the organiser always, each other member at about four
    sessions in five. Recorded through the events' service, as the organiser's page does;
    an activity with attendance already is left as it is. Returns the rows added."""
    added = 0
    now = timezone.now()
    for past in PAST:
        activity = Activity.objects.filter(title=past.title).first()
        if activity is None or Attendance.objects.filter(session__activity=activity).exists():
            continue
        participations = activity.participations.select_related("person").order_by("pk")
        people: list[Person] = [p.person for p in participations]
        if not people:
            continue
        organisers = {p.person_id for p in participations if p.role == ParticipantRole.ORGANISER}
        sessions = activity.sessions.filter(
            ends_at__lte=now, status=SessionStatus.SCHEDULED
        ).order_by("starts_at")
        for index, session in enumerate(sessions):
            rng = random.Random(f"{past.title}/{index}")  # noqa: S311 - demo data
            present = {p.pk for p in people if p.pk in organisers or rng.random() < 0.8}
            event_services.attendance_record(session=session, people=people, present=present)
            added += len(people)
    return added


def _demo_rooms_and_offers() -> None:
    """The webinar's Tencent Meeting room holds 150: the other registrants follow the
    hospital's livestream (or WeChat Channels). The workshop found one more seat, offered
    to the first person waiting for 24 hours (demo rows written directly: no emails)."""
    webinar = Activity.objects.filter(title=WEBINAR).first()
    if webinar is not None and not WayIn.objects.filter(activity=webinar).exists():
        WayIn.objects.create(
            activity=webinar,
            kind="room",
            platform="Tencent Meeting",
            url="https://meeting.tencent.com/dm/demo-webinar",
            capacity=150,
            details="Meeting ID 842 113 907, passcode 2020",
            invited_institutions="Wuhan Children's Hospital\nKunming Children's Hospital",
        )
        WayIn.objects.create(
            activity=webinar,
            kind="stream",
            platform="Hospital streaming server",
            url="https://live.zch.example.cn/growth-webinar",
            details="Type your question in the chat beside the video; the moderator reads "
            "them out after each talk.",
            position=1,
        )
        WayIn.objects.create(
            activity=webinar,
            kind="stream",
            platform="WeChat Channels (视频号)",
            url="https://channels.weixin.qq.com/zch-growth-webinar",
            position=2,
        )
        RegistrationSettings.objects.filter(activity=webinar).update(has_ways_in=True)
        # Everyone is assigned at once; nobody is emailed (their demo rows had no link yet).
        quiet = Registration.objects.filter(activity=webinar).values_list("pk", flat=True)
        rooms.rooms_rebalance(activity=webinar, quiet=list(quiet))
    workshop = Activity.objects.filter(title=WORKSHOP).first()
    if workshop is not None and not Offer.objects.filter(activity=workshop).exists():
        # One more seat was found: it is offered to the first person waiting for 24 hours.
        RegistrationSettings.objects.filter(activity=workshop).update(capacity=21, offer_hours=24)
        first_waiting = Registration.objects.filter(activity=workshop).waiting().first()
        if first_waiting is not None:
            now = timezone.now()
            Offer.objects.create(
                activity=workshop,
                registration=first_waiting,
                offered_at=now,
                expires_at=now + timedelta(hours=24),
            )
