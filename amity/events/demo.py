"""The seed's exchanges as activities: the PDA Management Forum, the Remote International
Classroom with Stanford, the talk to nearly 10,000, the CICU weekly call, the
Rehabilitation classroom with Loma Linda and "Bob's Talk".

The 2020 events keep their real dates (held). The recurring ones start from the week the
demo is loaded and run for a year, so they are upcoming and cross the US and EU
daylight-saving changes. Activities are found by title: loading twice adds nothing.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from amity.directory.models import Department, Institution, Language, Person
from amity.events import services, timing
from amity.events.models import Activity, ParticipantRole, SpeakerRole

CICU_SITES = [
    "Boston Children's Hospital",
    "Children's Hospital of Philadelphia",
    "The Hospital for Sick Children",
    "Great Ormond Street Hospital",
    "Bambino Gesù Children's Hospital",
    "The Royal Children's Hospital Melbourne",
    "KK Women's and Children's Hospital",
]


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def _person(email: str) -> Person:
    return Person.objects.get(email=email)


def _single(activity, *, wall: datetime, zone: str, minutes: int, title: str = ""):
    return services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(wall, zone),
        duration_minutes=minutes,
        time_zone=zone,
        title=title,
    )


def _activity(title: str, *, partners=(), languages=("en", "zh"), **fields) -> Activity | None:
    """Create the activity unless one with this title exists (then return None)."""
    if Activity.objects.filter(title=title).exists():
        return None
    return services.activity_create(
        fields={"title": title, **fields},
        partners=Institution.objects.filter(name__in=partners),
        languages=Language.objects.filter(code__in=languages),
    )


@transaction.atomic
def load_demo_activities(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    departments = {d.slug: d for d in Department.objects.all()}
    created = 0

    forum = _activity(
        "2020 PDA Management Forum",
        title_local="2020 动脉导管未闭管理论坛",
        kind="forum",
        status="held",
        visibility="public",
        department=departments.get("cardiac-surgery"),
        time_zone="Asia/Shanghai",
        video_provider="tencent",
        video_url="https://meeting.tencent.com/",
        description="Held as a network video conference. Keynote on multi-centre and "
        "international cooperation in clinical research during COVID-19.",
    )
    if forum:
        created += 1
        opening = _single(
            forum,
            wall=datetime(2020, 4, 22, 8, 30),
            zone="Asia/Shanghai",
            minutes=30,
            title="Opening",
        )
        services.speaker_add(
            session=opening, person=_person("lina.wang@zch.example.cn"), role=SpeakerRole.MODERATOR
        )
        keynote = _single(
            forum,
            wall=datetime(2020, 4, 22, 9, 0),
            zone="Asia/Shanghai",
            minutes=60,
            title="Keynote",
        )
        services.speaker_add(
            session=keynote,
            person=_person("qiang.shu@zch.example.cn"),
            role=SpeakerRole.KEYNOTE,
            talk_title="Multi-center Cooperation and International Cooperation in Clinical "
            "Research",
        )
        _single(
            forum,
            wall=datetime(2020, 4, 22, 10, 15),
            zone="Asia/Shanghai",
            minutes=120,
            title="PDA management: case discussions",
        )

    classroom = _activity(
        "Remote International Classroom: Paediatric Endocrinology",
        title_local="远程国际课堂：儿科内分泌",
        kind="lecture",
        status="held",
        visibility="public",
        department=departments.get("endocrinology"),
        partners=["Stanford University"],
        time_zone="Asia/Shanghai",
        video_provider="zoom",
        video_url="https://zoom.us/j/0000000000",
        expected_audience=800,
        description="Prof. Ron Rosenfeld of Stanford University teaches paediatric "
        "endocrinologists of the whole country.",
    )
    if classroom:
        created += 1
        lecture = _single(
            classroom, wall=datetime(2020, 4, 17, 8, 0), zone="Asia/Shanghai", minutes=90
        )
        services.speaker_add(
            session=lecture,
            person=_person("ron.rosenfeld@stanford.example.org"),
            role=SpeakerRole.SPEAKER,
            talk_title="Growth and its disorders",
        )
        services.speaker_add(
            session=lecture, person=_person("junfen.fu@zch.example.cn"), role=SpeakerRole.MODERATOR
        )

    talk = _activity(
        "Diagnosis and Management of Pediatric Diseases under COVID-19",
        title_local="新冠肺炎疫情下儿科疾病的诊断与管理",
        kind="webinar",
        status="held",
        visibility="public",
        department=departments.get("endocrinology"),
        time_zone="Asia/Shanghai",
        video_provider="zoom",
        video_url="https://zoom.us/j/1111111111",
        expected_audience=10000,
        description="Part of the COVID-19 Prevention and Control Experience International "
        "Sharing & Health China International Public Health Management Training Project. "
        "Online audience of nearly 10,000.",
    )
    if talk:
        created += 1
        session = _single(talk, wall=datetime(2020, 5, 16, 14, 0), zone="Asia/Shanghai", minutes=90)
        services.speaker_add(
            session=session, person=_person("junfen.fu@zch.example.cn"), role=SpeakerRole.SPEAKER
        )

    cicu = _activity(
        "COVID-19 Multicenter CICU Response — weekly call",
        title_local="新冠肺炎多中心心脏重症监护应对周例会",
        kind="call",
        status="confirmed",
        visibility="partners",
        department=departments.get("cardiac-icu"),
        partners=CICU_SITES
        + ["Children's Institute, Hospital das Clínicas, University of São Paulo"],
        languages=("en",),
        time_zone="America/New_York",
        video_provider="zoom",
        video_url="https://zoom.us/j/2222222222",
        dial_in="Meeting ID 222 222 2222 · Passcode 4am",
        description="Paediatric cardiac intensive care experts of North America, Europe and "
        "Asia share their experience of COVID-19 every week. Held at 16:00 in Boston, which "
        "is 4 am in Hangzhou in summer and 5 am in winter.",
    )
    if cicu:
        created += 1
        first = _next_weekday(today, 2)  # Wednesday
        services.series_create(
            activity=cicu,
            start_date=first,
            start_time=time(16, 0),
            time_zone="America/New_York",
            rrule="FREQ=WEEKLY;COUNT=52",
            duration_minutes=60,
        )
        contacts = Person.objects.filter(
            institution__name__in=CICU_SITES, email__contains=".example."
        )
        for email in ["hao.chen@zch.example.cn", "jie.shen@zch.example.cn"]:
            services.participant_add(
                activity=cicu, person=_person(email), role=ParticipantRole.PARTICIPANT
            )
        for person in contacts.filter(email__in=_seed_emails()):
            services.participant_add(activity=cicu, person=person, role=ParticipantRole.PARTICIPANT)
        services.participant_add(
            activity=cicu,
            person=_person("daniel.sullivan@bch.example.org"),
            role=ParticipantRole.ORGANISER,
        )

    rehab = _activity(
        "Speech rehabilitation virtual classroom with Loma Linda University",
        title_local="与洛马林达大学的言语康复国际虚拟课堂",
        kind="classroom",
        status="confirmed",
        visibility="partners",
        department=departments.get("rehabilitation"),
        partners=["Loma Linda University"],
        time_zone="Asia/Shanghai",
        video_provider="zoom",
        video_url="https://zoom.us/j/3333333333",
        description="Weekly video connection between the Rehabilitation Department and the "
        "children's speech rehabilitation team at Loma Linda University: courses and case "
        "discussions.",
    )
    if rehab:
        created += 1
        first = _next_weekday(
            today, 4
        )  # Friday, 08:00 in Hangzhou = Thursday afternoon in California
        services.series_create(
            activity=rehab,
            start_date=first,
            start_time=time(8, 0),
            time_zone="Asia/Shanghai",
            rrule="FREQ=WEEKLY;COUNT=24",
            duration_minutes=90,
        )
        services.participant_add(
            activity=rehab,
            person=_person("haifeng.li@zch.example.cn"),
            role=ParticipantRole.ORGANISER,
        )
        services.participant_add(
            activity=rehab,
            person=_person("emily.carter@llu.example.org"),
            role=ParticipantRole.ENROLLED,
        )
        for person in Person.objects.filter(department__slug="rehabilitation").exclude(
            email="haifeng.li@zch.example.cn"
        )[:6]:
            services.participant_add(activity=rehab, person=person, role=ParticipantRole.ENROLLED)

    bob = _activity(
        "Bob's Talk — Statistics and Research Lecture Series",
        title_local="Bob's Talk 统计与科研系列讲座",
        kind="series",
        status="confirmed",
        visibility="staff",
        department=departments.get("research"),
        partners=["University of Florida"],
        languages=("en",),
        time_zone="Asia/Shanghai",
        video_provider="tencent",
        video_url="https://meeting.tencent.com/",
        description="Robert Dorazio, biostatistician, on statistics and research methods.",
    )
    if bob:
        created += 1
        # The second Tuesday of each month, 20:00 in Hangzhou = morning in Florida.
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        first = _next_weekday(next_month - timedelta(days=1), 1) + timedelta(days=7)
        series = services.series_create(
            activity=bob,
            start_date=first,
            start_time=time(20, 0),
            time_zone="Asia/Shanghai",
            rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=6",
            duration_minutes=60,
        )
        topics = [
            "Asking a good research question",
            "Study design and sample size",
            "Regression without tears",
            "Missing data",
            "Survival analysis",
            "Writing up: tables and figures",
        ]
        for session, topic in zip(series.sessions.order_by("starts_at"), topics, strict=True):
            services.session_update(session=session, fields={"title": topic})
            services.speaker_add(
                session=session,
                person=_person("robert.dorazio@ufl.example.org"),
                role=SpeakerRole.SPEAKER,
            )
    return created


def _seed_emails() -> list[str]:
    from amity.directory.demo_data import SEED_PEOPLE

    return [p["email"] for p in SEED_PEOPLE]
