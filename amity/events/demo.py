"""The seed's exchanges as activities: the PDA Management Forum, the Remote International
Classroom with Stanford, the talk to nearly 10,000, the CICU weekly call, the
Rehabilitation classroom with Loma Linda and "Bob's Talk".

The 2020 events keep their real dates (held). The recurring ones start from the week the
demo is loaded and run for a year, so they are upcoming and cross the US and EU
daylight-saving changes. Activities are found by title: loading twice adds nothing.

Between the two, the exchange kept going: ``PAST`` holds what the hospital held in the
twenty-two months before the load week (classrooms with Stanford, a PDA forum, a CICU case
call, terms of the Loma Linda classroom, an APPES forum, a season of Bob's Talk, a nursing
exchange with Great Ormond Street), dated in weeks before the week the demo is loaded. So
the reports show this year and last year held, and the record moves on with the load day.
Their registrants and attendance come from the registrations' demo.
"""

from dataclasses import dataclass
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
    created += load_past_activities(today=today)
    return created


def _seed_emails() -> list[str]:
    from amity.directory.demo_data import SEED_PEOPLE

    return [p["email"] for p in SEED_PEOPLE]


# ----- the record held before the load week ----------------------------------------------

GROWTH_CLASSROOM = "Remote International Classroom: Growth Hormone Therapy in Children"
PDA_FORUM_PARTNERS = "PDA Management Forum with Boston and Philadelphia"
PUBERTY_CLASSROOM = "Remote International Classroom: Puberty Disorders"
APPES_FORUM = "APPES Online Forum: Diabetes and Obesity in Asia-Pacific Children"
NURSING_EXCHANGE = (
    "Nursing exchange with Great Ormond Street Hospital: infection prevention on children's wards"
)
FU_JUNFEN = "junfen.fu@zch.example.cn"
ROSENFELD = "ron.rosenfeld@stanford.example.org"
CICU_CASE_SITES = (
    "Boston Children's Hospital",
    "Children's Hospital of Philadelphia",
    "The Hospital for Sick Children",
    "Great Ormond Street Hospital",
    "The Royal Children's Hospital Melbourne",
    "KK Women's and Children's Hospital",
)
REHAB_DESCRIPTION = (
    "A term of the weekly video connection between the Rehabilitation Department and the "
    "children's speech rehabilitation team at Loma Linda University: courses and case "
    "discussions, 08:00 in Hangzhou, Thursday afternoon in California."
)


@dataclass(frozen=True)
class PastSession:
    """One session held ``weeks_before`` weeks before the week the demo is loaded (1: last
    week), on ``weekday`` (0: Monday) at ``start`` in the activity's time zone. Speakers are
    (email, role, talk title)."""

    weeks_before: int
    weekday: int
    start: time
    minutes: int
    title: str = ""
    speakers: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class PastActivity:
    """An activity held before the load week. ``weekly`` > 0 makes its one session the first
    of a weekly series of that many. Its members take part as ``member_role``: the people
    named by email, the partner contacts of the seed at ``member_sites``, and up to
    ``department_members`` staff of the organising department."""

    title: str
    title_local: str
    kind: str
    department: str
    time_zone: str
    sessions: tuple[PastSession, ...]
    partners: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en", "zh")
    visibility: str = "public"
    video_provider: str = "zoom"
    description: str = ""
    weekly: int = 0
    organiser: str = ""
    member_role: str = ParticipantRole.PARTICIPANT
    members: tuple[str, ...] = ()
    member_sites: tuple[str, ...] = ()
    department_members: int = 0
    expected_audience: int | None = None


PAST: tuple[PastActivity, ...] = (
    PastActivity(
        title=GROWTH_CLASSROOM,
        title_local="远程国际课堂：儿童生长激素治疗",
        kind="lecture",
        department="endocrinology",
        partners=("Stanford University",),
        time_zone="Asia/Shanghai",
        description="Prof. Ron Rosenfeld of Stanford University teaches paediatric "
        "endocrinologists of the whole country when growth hormone helps, and when it does "
        "not. Thursday morning in Hangzhou, Wednesday afternoon in California.",
        expected_audience=500,
        sessions=(
            PastSession(
                92,
                3,
                time(8, 0),
                90,
                speakers=(
                    (ROSENFELD, SpeakerRole.SPEAKER, "Growth hormone therapy: who benefits?"),
                    (FU_JUNFEN, SpeakerRole.MODERATOR, ""),
                ),
            ),
        ),
    ),
    PastActivity(
        title=PDA_FORUM_PARTNERS,
        title_local="与波士顿、费城合办的动脉导管未闭管理论坛",
        kind="forum",
        department="cardiac-surgery",
        partners=("Boston Children's Hospital", "Children's Hospital of Philadelphia"),
        time_zone="Asia/Shanghai",
        video_provider="tencent",
        description="The PDA Management Forum again as a network video conference, with "
        "colleagues of Boston and Philadelphia joining in their morning: a keynote on "
        "multi-centre research and an evening of case discussions.",
        sessions=(
            PastSession(
                83,
                4,
                time(19, 30),
                30,
                "Opening",
                (("lina.wang@zch.example.cn", SpeakerRole.MODERATOR, ""),),
            ),
            PastSession(
                83,
                4,
                time(20, 0),
                60,
                "Keynote",
                (
                    (
                        "qiang.shu@zch.example.cn",
                        SpeakerRole.KEYNOTE,
                        "Multi-centre research on the premature infant's ductus",
                    ),
                ),
            ),
            PastSession(
                83,
                4,
                time(21, 0),
                90,
                "PDA management: case discussions",
                (
                    ("daniel.sullivan@bch.example.org", SpeakerRole.SPEAKER, ""),
                    ("rachel.goldberg@chop.example.org", SpeakerRole.SPEAKER, ""),
                ),
            ),
        ),
    ),
    PastActivity(
        title="Multicenter Paediatric CICU Case Review — weekly call",
        title_local="多中心儿童心脏重症监护病例讨论周例会",
        kind="call",
        department="cardiac-icu",
        partners=CICU_CASE_SITES,
        languages=("en",),
        visibility="partners",
        time_zone="America/New_York",
        description="Four weeks of difficult cases, each presented by one site: the sites "
        "of the COVID-19 CICU call kept meeting at 16:00 in Boston, 4 am in Hangzhou.",
        sessions=(PastSession(62, 2, time(16, 0), 60),),
        weekly=4,
        organiser="daniel.sullivan@bch.example.org",
        members=("hao.chen@zch.example.cn", "jie.shen@zch.example.cn"),
        member_sites=CICU_CASE_SITES,
    ),
    PastActivity(
        title="Speech rehabilitation virtual classroom with Loma Linda University — autumn term",
        title_local="与洛马林达大学的言语康复国际虚拟课堂——秋季学期",
        kind="classroom",
        department="rehabilitation",
        partners=("Loma Linda University",),
        visibility="partners",
        time_zone="Asia/Shanghai",
        description=REHAB_DESCRIPTION,
        sessions=(PastSession(56, 4, time(8, 0), 90),),
        weekly=4,
        organiser="haifeng.li@zch.example.cn",
        member_role=ParticipantRole.ENROLLED,
        members=("emily.carter@llu.example.org",),
        department_members=6,
    ),
    PastActivity(
        title=PUBERTY_CLASSROOM,
        title_local="远程国际课堂：青春期发育障碍",
        kind="lecture",
        department="endocrinology",
        partners=("Stanford University",),
        time_zone="Asia/Shanghai",
        description="Prof. Ron Rosenfeld returns to the Remote International Classroom: "
        "early and late puberty, for paediatric endocrinologists of the whole country.",
        expected_audience=500,
        sessions=(
            PastSession(
                38,
                3,
                time(8, 0),
                90,
                speakers=(
                    (ROSENFELD, SpeakerRole.SPEAKER, "Early and late puberty"),
                    (FU_JUNFEN, SpeakerRole.MODERATOR, ""),
                ),
            ),
        ),
    ),
    PastActivity(
        title="Speech rehabilitation virtual classroom with Loma Linda University — spring term",
        title_local="与洛马林达大学的言语康复国际虚拟课堂——春季学期",
        kind="classroom",
        department="rehabilitation",
        partners=("Loma Linda University",),
        visibility="partners",
        time_zone="Asia/Shanghai",
        description=REHAB_DESCRIPTION,
        sessions=(PastSession(34, 4, time(8, 0), 90),),
        weekly=4,
        organiser="haifeng.li@zch.example.cn",
        member_role=ParticipantRole.ENROLLED,
        members=("emily.carter@llu.example.org",),
        department_members=6,
    ),
    PastActivity(
        title="Bob's Talk — Statistics and Research: first season",
        title_local="Bob's Talk 统计与科研系列讲座：第一季",
        kind="series",
        department="research",
        partners=("University of Florida",),
        languages=("en",),
        visibility="staff",
        video_provider="tencent",
        time_zone="Asia/Shanghai",
        description="Robert Dorazio, biostatistician, on statistics and research methods: "
        "the first three episodes, 20:00 in Hangzhou, morning in Florida.",
        sessions=tuple(
            PastSession(
                weeks,
                1,
                time(20, 0),
                60,
                topic,
                (("robert.dorazio@ufl.example.org", SpeakerRole.SPEAKER, ""),),
            )
            for weeks, topic in (
                (30, "Reading the statistics of a clinical paper"),
                (26, "Power and sample size"),
                (22, "Repeated measures and mixed models"),
            )
        ),
        organiser="yang.liu@zch.example.cn",
        members=(FU_JUNFEN, "min.zhao@zch.example.cn", "hao.chen@zch.example.cn"),
        department_members=8,
    ),
    PastActivity(
        title=APPES_FORUM,
        title_local="亚太儿科内分泌学会线上论坛：亚太地区儿童糖尿病与肥胖",
        kind="forum",
        department="endocrinology",
        partners=(
            "Asia Pacific Paediatric Endocrine Society",
            "KK Women's and Children's Hospital",
            "National Center for Child Health and Development",
        ),
        time_zone="Asia/Shanghai",
        description="An online forum of the Asia Pacific Paediatric Endocrine Society, "
        "hosted by the hospital with its secretary general, Prof. Fu Junfen: colleagues of "
        "Singapore and Tokyo on type 2 diabetes and obesity in children.",
        sessions=(
            PastSession(
                24,
                5,
                time(9, 30),
                30,
                "Opening",
                ((FU_JUNFEN, SpeakerRole.MODERATOR, ""),),
            ),
            PastSession(
                24,
                5,
                time(10, 0),
                120,
                "Type 2 diabetes in adolescents",
                ((FU_JUNFEN, SpeakerRole.KEYNOTE, "Type 2 diabetes in Chinese adolescents"),),
            ),
            PastSession(24, 5, time(14, 0), 120, "Obesity: prevention and care"),
        ),
    ),
    PastActivity(
        title=NURSING_EXCHANGE,
        title_local="与大奥蒙德街医院的护理交流：儿科病房感染防控",
        kind="lecture",
        department="nursing",
        partners=("Great Ormond Street Hospital",),
        time_zone="Asia/Shanghai",
        video_provider="tencent",
        description="Two afternoons in Hangzhou (mornings in London) for nurses: hand "
        "hygiene, isolation and line care on children's wards, with questions after each "
        "talk.",
        sessions=tuple(
            PastSession(
                weeks,
                3,
                time(16, 0),
                90,
                topic,
                (
                    ("charlotte.evans@gosh.example.org", SpeakerRole.SPEAKER, ""),
                    ("min.zhao@zch.example.cn", SpeakerRole.MODERATOR, ""),
                ),
            )
            for weeks, topic in (
                (2, "Hand hygiene and isolation"),
                (1, "Central line care in the paediatric ICU"),
            )
        ),
    ),
)


def _weeks_before(today: date, weeks: int, weekday: int) -> date:
    """The ``weekday`` of the week ``weeks`` weeks before the week of ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks) + timedelta(days=weekday)


@transaction.atomic
def load_past_activities(*, today: date) -> int:
    """Create the activities of ``PAST`` that are missing (found by title), their sessions,
    speakers and members; every session ends before the week of ``today``. Returns how many
    activities were created."""
    created = 0
    departments = {d.slug: d for d in Department.objects.all()}
    for past in PAST:
        activity = _activity(
            past.title,
            partners=past.partners,
            languages=past.languages,
            title_local=past.title_local,
            kind=past.kind,
            status="held",
            visibility=past.visibility,
            department=departments.get(past.department),
            time_zone=past.time_zone,
            video_provider=past.video_provider,
            description=past.description,
            expected_audience=past.expected_audience,
        )
        if activity is None:
            continue
        created += 1
        _past_sessions(activity, past, today)
        _past_members(activity, past)
    return created


def _past_sessions(activity: Activity, past: PastActivity, today: date) -> None:
    if past.weekly:
        (first,) = past.sessions
        services.series_create(
            activity=activity,
            start_date=_weeks_before(today, first.weeks_before, first.weekday),
            start_time=first.start,
            time_zone=past.time_zone,
            rrule=f"FREQ=WEEKLY;COUNT={past.weekly}",
            duration_minutes=first.minutes,
        )
        return
    for planned in past.sessions:
        day = _weeks_before(today, planned.weeks_before, planned.weekday)
        session = _single(
            activity,
            wall=datetime.combine(day, planned.start),
            zone=past.time_zone,
            minutes=planned.minutes,
            title=planned.title,
        )
        for email, role, talk in planned.speakers:
            services.speaker_add(session=session, person=_person(email), role=role, talk_title=talk)


def _past_members(activity: Activity, past: PastActivity) -> None:
    members: list[Person] = [_person(email) for email in past.members]
    if past.member_sites:
        members += Person.objects.filter(
            institution__name__in=past.member_sites, email__in=_seed_emails()
        ).order_by("email")
    if past.department_members:
        members += (
            Person.objects.filter(department__slug=past.department)
            .exclude(email=past.organiser)
            .exclude(email__in=past.members)
            .order_by("email")[: past.department_members]
        )
    if past.organiser:
        services.participant_add(
            activity=activity, person=_person(past.organiser), role=ParticipantRole.ORGANISER
        )
    for person in dict.fromkeys(members):
        if person.email != past.organiser:
            services.participant_add(activity=activity, person=person, role=past.member_role)
