"""Demo data for joint research (loaded by ``manage load_demo``; safe to run twice).

The seed's multi-centre clinical research of the National Clinical Research Center for
Child Health, which the home hospital (ZCH) hosts:

- **PedCOVID-Cohort**, a multi-centre cohort of children with COVID-19 and their long-term
  outcomes, led by ZCH (PI Dr. Fu Junfen, coordinated by Liu Yang of the research centre),
  dated back from the day the demo is loaded so it is always enrolling. Seven sites in
  every state: ZCH and Wuhan Children's Hospital active and on track; Xi'an Children's
  Hospital waiting for its ethics approval; KK Women's and Children's Hospital invited;
  Bambino Gesù active; Great Ormond Street closed after its first months; and Loma Linda
  University — the demo's partner contact, Emily Carter, coordinates it and enters its
  enrolment — active but far behind its target, with its IRB approval about to expire.
  Linked to its data-sharing agreement with Loma Linda, the CICU weekly call, and the
  shared ZCH COVID-19 experience document.
- **PedCOVID-2020**, the early-2020 multi-centre study of children with COVID-19 in China
  (ZCH and Wuhan, February to May 2020), published; Loma Linda takes no part, so its
  contact never sees it.
- **PDA-Registry**, a registry of patent ductus arteriosus management planned after the
  2020 PDA Management Forum, with Boston Children's Hospital invited.

The domestic hospitals and their site people are added to the directory when missing.
Registry numbers, ethics references, site people outside the seed and the paper (on the
Crossref test prefix 10.5555) are invented. Everything goes through
``amity.research.services``; studies are found by acronym, so loading twice adds nothing.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from amity.accounts.models import User
from amity.directory import services as directory_services
from amity.directory.models import Institution, Person
from amity.events.models import Activity
from amity.relations import services as relations_services
from amity.relations.models import Agreement, AgreementKind, AgreementStatus
from amity.research import services
from amity.research.models import SiteStatus, Study
from amity.sharing.models import Document, Tag

HOME_ETHICS = (
    "Medical Ethics Committee, Children's Hospital, Zhejiang University School of Medicine"
)

DOMESTIC = [
    {
        "name": "Wuhan Children's Hospital",
        "name_local": "武汉儿童医院",
        "short_name": "Wuhan CH",
        "kind": "hospital",
        "country": "CN",
        "city": "Wuhan",
        "time_zone": "Asia/Shanghai",
        "partnership_status": "active",
    },
    {
        "name": "Xi'an Children's Hospital",
        "name_local": "西安市儿童医院",
        "short_name": "Xi'an CH",
        "kind": "hospital",
        "country": "CN",
        "city": "Xi'an",
        "time_zone": "Asia/Shanghai",
        "partnership_status": "active",
    },
]

# Invented site people of the domestic hospitals (family name first, as Chinese is written).
SITE_PEOPLE = [
    {
        "family_name": "Zhou",
        "given_name": "Wenhui",
        "family_name_local": "周",
        "given_name_local": "文慧",
        "name_order": "family_first",
        "title": "Prof.",
        "position": "Director, Department of Infectious Diseases",
        "email": "wenhui.zhou@wuhan-ch.example.cn",
        "institution": "Wuhan Children's Hospital",
    },
    {
        "family_name": "Gao",
        "given_name": "Lei",
        "family_name_local": "高",
        "given_name_local": "磊",
        "name_order": "family_first",
        "title": "Dr.",
        "position": "Research nurse, Clinical Research Office",
        "email": "lei.gao@wuhan-ch.example.cn",
        "institution": "Wuhan Children's Hospital",
    },
    {
        "family_name": "Ma",
        "given_name": "Yan",
        "family_name_local": "马",
        "given_name_local": "艳",
        "name_order": "family_first",
        "title": "Dr.",
        "position": "Deputy Director, Department of Respiratory Medicine",
        "email": "yan.ma@xian-ch.example.cn",
        "institution": "Xi'an Children's Hospital",
    },
]


def months_back(month: date, count: int) -> date:
    """The first of the month ``count`` months before ``month`` (a first of a month)."""
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return date(year, index + 1, 1)


@dataclass
class DemoSite:
    institution: str
    status: str
    target: int | None
    joined_months_ago: int | None = None
    site_pi: str | None = None  # a person's email
    coordinator: str | None = None
    # (committee, reference, approved days ago, expires in days from today or None)
    approvals: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    # figures for consecutive months, the first in the month the site joined
    monthly: list[int] = field(default_factory=list)
    entered_by: str = "office"  # the demo login who entered the figures


def _cohort_sites() -> list[DemoSite]:
    return [
        DemoSite(
            "Children's Hospital of Zhejiang University School of Medicine",
            SiteStatus.ACTIVE,
            200,
            joined_months_ago=22,
            site_pi="junfen.fu@zch.example.cn",
            coordinator="yang.liu@zch.example.cn",
            approvals=[(HOME_ETHICS, "2024-IRB-118", 700, 395)],
            monthly=[4, 6, 7, 6, 5, 8, 6, 7, 5, 6, 7, 6, 5, 7, 6, 8, 6, 5, 7, 6, 6, 4],
        ),
        DemoSite(
            "Wuhan Children's Hospital",
            SiteStatus.ACTIVE,
            150,
            joined_months_ago=20,
            site_pi="wenhui.zhou@wuhan-ch.example.cn",
            coordinator="lei.gao@wuhan-ch.example.cn",
            approvals=[
                ("Medical Ethics Committee of Wuhan Children's Hospital", "2024R089-E01", 640, 455)
            ],
            monthly=[3, 5, 6, 6, 5, 7, 6, 5, 6, 6, 5, 7, 6, 5, 6, 5, 6, 7, 5, 3],
        ),
        DemoSite(
            "Xi'an Children's Hospital",
            SiteStatus.APPROVALS_PENDING,
            60,
            joined_months_ago=2,
            site_pi="yan.ma@xian-ch.example.cn",
        ),
        DemoSite("KK Women's and Children's Hospital", SiteStatus.INVITED, 40),
        DemoSite(
            "Bambino Gesù Children's Hospital",
            SiteStatus.ACTIVE,
            60,
            joined_months_ago=13,
            site_pi="giulia.romano@opbg.example.org",
            approvals=[
                ("Comitato Etico Ospedale Pediatrico Bambino Gesù", "3126_OPBG_2024", 400, None)
            ],
            monthly=[1, 2, 3, 2, 3, 3, 2, 3, 2, 3, 2, 3],
        ),
        DemoSite(
            "Great Ormond Street Hospital",
            SiteStatus.CLOSED,
            30,
            joined_months_ago=19,
            site_pi="charlotte.evans@gosh.example.org",
            approvals=[("London - Bloomsbury Research Ethics Committee", "24/LO/0317", 600, 130)],
            monthly=[1, 2, 2, 1, 2, 1],
        ),
        # The demo's partner contact: active, far behind target, and its IRB approval of a
        # year ago runs out in 12 days.
        DemoSite(
            "Loma Linda University",
            SiteStatus.ACTIVE,
            80,
            joined_months_ago=11,
            coordinator="emily.carter@llu.example.org",
            approvals=[("Loma Linda University Institutional Review Board", "5240213", 353, 12)],
            monthly=[0, 1, 1, 0, 2, 1, 1, 0, 1, 2, 1],
            entered_by="partner",
        ),
    ]


def _covid_2020_sites() -> list[DemoSite]:
    return [
        DemoSite(
            "Children's Hospital of Zhejiang University School of Medicine",
            SiteStatus.CLOSED,
            40,
            site_pi="junfen.fu@zch.example.cn",
            coordinator="yang.liu@zch.example.cn",
        ),
        DemoSite(
            "Wuhan Children's Hospital",
            SiteStatus.CLOSED,
            60,
            site_pi="wenhui.zhou@wuhan-ch.example.cn",
            coordinator="lei.gao@wuhan-ch.example.cn",
        ),
    ]


def _institution(name: str) -> Institution | None:
    return Institution.objects.filter(name=name).first()


def _person(email: str | None) -> Person | None:
    return Person.objects.filter(email=email).first() if email else None


def _directory() -> int:
    """The domestic hospitals and their site people, when missing."""
    created = 0
    for data in DOMESTIC:
        if not _institution(data["name"]):
            directory_services.institution_create(fields=data)
            created += 1
    for data in SITE_PEOPLE:
        if not _person(data["email"]):
            institution = _institution(data["institution"])
            directory_services.person_save(
                person=None,
                fields={**data, "institution": institution, "time_zone": institution.time_zone},
            )
            created += 1
    return created


def _add_sites(study: Study, sites: list[DemoSite], users: dict, today: date) -> None:
    office = users["office"]
    this_month = today.replace(day=1)
    for demo in sites:
        institution = _institution(demo.institution)
        if institution is None:
            continue
        joined = (
            months_back(this_month, demo.joined_months_ago)
            if demo.joined_months_ago is not None
            else None
        )
        site = services.site_add(
            by=office,
            study=study,
            institution=institution,
            site_pi=_person(demo.site_pi),
            coordinator=_person(demo.coordinator),
            target=demo.target,
            status=SiteStatus.INVITED,
            joined_on=joined,
        )
        for committee, reference, days_ago, expires_in in demo.approvals:
            services.approval_record(
                by=office,
                site=site,
                committee=committee,
                reference=reference,
                approved_on=today - timedelta(days=days_ago),
                expires_on=today + timedelta(days=expires_in) if expires_in is not None else None,
            )
        # Figures are entered while the site is active; then it takes its final status.
        by = users.get(demo.entered_by) or office
        for index, count in enumerate(demo.monthly):
            month = months_back(this_month, demo.joined_months_ago - index)
            services.enrolment_enter(by=by, site=site, month=month, count=count)
        if demo.status != SiteStatus.INVITED:
            services.site_update(by=office, site=site, status=demo.status)


def _covid_2020(users: dict, today: date) -> Study | None:
    office = users["office"]
    home = Institution.objects.filter(partnership_status="home").first()
    fu = _person("junfen.fu@zch.example.cn")
    if home is None or fu is None:
        return None
    study = services.study_create(
        by=office,
        title="Clinical features of children with COVID-19 in China: a multi-centre study",
        title_local="中国儿童新型冠状病毒肺炎临床特征多中心研究",
        acronym="PedCOVID-2020",
        design="observational",
        lead_institution=home,
        principal_investigator=fu,
        target_enrolment=100,
        start_on=date(2020, 2, 1),
        end_on=date(2020, 12, 31),
        summary="Retrospective and prospective description of the clinical features, "
        "imaging findings and outcomes of children with COVID-19 treated at the national "
        "centre and in Wuhan in the first months of the epidemic.",
        summary_local="描述疫情初期国家儿童健康与疾病临床医学研究中心及武汉收治的新冠肺炎患儿的"
        "临床特征、影像学表现与转归。",
        topics=list(Tag.objects.filter(slug="covid-19")),
    )
    services.registry_id_add(
        by=office, study=study, registry="chictr", identifier="ChiCTR2000030187"
    )
    for demo in _covid_2020_sites():
        institution = _institution(demo.institution)
        if institution is None:
            continue
        site = services.site_add(
            by=office,
            study=study,
            institution=institution,
            site_pi=_person(demo.site_pi),
            coordinator=_person(demo.coordinator),
            target=demo.target,
            joined_on=date(2020, 2, 3),
        )
        committee = (
            HOME_ETHICS
            if institution.is_home
            else ("Medical Ethics Committee of Wuhan Children's Hospital")
        )
        services.approval_record(
            by=office,
            site=site,
            committee=committee,
            reference="2020-IRB-017" if institution.is_home else "2020R008-E01",
            approved_on=date(2020, 2, 1),
            expires_on=date(2021, 1, 31),
        )
        figures = [12, 16, 9, 4] if institution.is_home else [21, 24, 11, 3]
        for index, count in enumerate(figures):
            services.enrolment_enter(
                by=office, site=site, month=date(2020, 2 + index, 1), count=count
            )
        services.site_update(by=office, site=site, status=SiteStatus.CLOSED)
    services.publication_add(
        by=office,
        study=study,
        title="Clinical features of children with COVID-19 at a national children's centre "
        "and in Wuhan: a multi-centre study",
        authors="Liu Y; Zhou W; Fu J",
        journal="Amity Demo Journal of Paediatrics",
        year=2020,
        volume="3",
        issue="2",
        pages="101-109",
        doi="10.5555/amity-demo.2020.0101",
    )
    services.study_set_status(by=office, study=study, status="published")
    return study


def _cohort(users: dict, today: date) -> Study | None:
    office = users["office"]
    home = Institution.objects.filter(partnership_status="home").first()
    fu = _person("junfen.fu@zch.example.cn")
    if home is None or fu is None:
        return None
    this_month = today.replace(day=1)
    start = months_back(this_month, 22)
    study = services.study_create(
        by=office,
        title="Multi-centre cohort of children with COVID-19: clinical course and long-term "
        "outcomes",
        title_local="儿童新型冠状病毒感染多中心队列研究：临床病程与远期结局",
        acronym="PedCOVID-Cohort",
        design="observational",
        lead_institution=home,
        principal_investigator=fu,
        target_enrolment=620,
        start_on=start,
        end_on=date(start.year + 4, start.month, 1) - timedelta(days=1),
        summary="A prospective cohort of children with COVID-19 at children's hospitals in "
        "China, Europe, Asia and North America: the clinical course, and lung function, "
        "growth and development over two years. Sites report counts of children enrolled "
        "each month; the data themselves stay at the sites.",
        summary_local="在中国、欧洲、亚洲和北美的儿童医院开展的新冠感染患儿前瞻性队列研究："
        "观察临床病程及两年内的肺功能、生长与发育。各中心每月报告入组人数，研究数据保存在各中心。",
        topics=list(Tag.objects.filter(slug="covid-19")),
        documents=list(
            Document.objects.filter(
                title="Diagnosis and treatment of COVID-19 in children: the ZCH experience"
            )
        ),
        activities=list(
            Activity.objects.filter(title="COVID-19 Multicenter CICU Response — weekly call")
        ),
    )
    services.registry_id_add(
        by=office, study=study, registry="clinicaltrials_gov", identifier="NCT05731874"
    )
    services.registry_id_add(
        by=office, study=study, registry="chictr", identifier="ChiCTR2300068815"
    )
    for email, role in (
        ("yang.liu@zch.example.cn", "coordinator"),
        ("robert.dorazio@ufl.example.org", "statistician"),
        ("qiang.shu@zch.example.cn", "member"),
    ):
        person = _person(email)
        if person is not None:
            services.study_member_add(by=office, study=study, person=person, role=role)
    services.study_set_status(by=office, study=study, status="approvals")
    _add_sites(study, _cohort_sites(), users, today)
    services.study_set_status(by=office, study=study, status="enrolling")
    loma = _institution("Loma Linda University")
    if loma is not None:
        agreement = Agreement.objects.filter(title="PedCOVID-Cohort: data sharing").first()
        if agreement is None:
            agreement = relations_services.agreement_create(
                fields={
                    "title": "PedCOVID-Cohort: data sharing",
                    "kind": AgreementKind.RESEARCH,
                    "scope": "Loma Linda University takes part in the PedCOVID-Cohort study "
                    "as a site; counts of children enrolled are reported to the lead site, "
                    "the data stay at Loma Linda.",
                    "signed_on": months_back(this_month, 12),
                    "expires_on": date(start.year + 4, start.month, 1) - timedelta(days=1),
                    "status": AgreementStatus.ACTIVE,
                },
                partners=[loma],
                user=office,
            )
        site = study.sites.get(institution=loma)
        services.site_link_agreement(by=office, site=site, agreement=agreement)
    return study


def _pda_registry(users: dict, today: date) -> Study | None:
    office = users["office"]
    home = Institution.objects.filter(partnership_status="home").first()
    pi = _person("qiang.shu@zch.example.cn")
    boston = _institution("Boston Children's Hospital")
    if home is None or pi is None:
        return None
    study = services.study_create(
        by=office,
        title="Registry of patent ductus arteriosus management in preterm infants",
        title_local="早产儿动脉导管未闭诊治登记研究",
        acronym="PDA-Registry",
        design="registry",
        lead_institution=home,
        principal_investigator=pi,
        target_enrolment=1000,
        summary="Planned after the 2020 PDA Management Forum: how centres treat a patent "
        "ductus arteriosus in preterm infants, and with what results.",
        summary_local="源于2020年动脉导管未闭诊治论坛：各中心早产儿动脉导管未闭的治疗方式及结局。",
    )
    services.site_add(
        by=office,
        study=study,
        institution=home,
        site_pi=pi,
        target=400,
        status=SiteStatus.APPROVALS_PENDING,
    )
    if boston is not None:
        services.site_add(
            by=office,
            study=study,
            institution=boston,
            site_pi=_person("daniel.sullivan@bch.example.org"),
            target=300,
        )
    return study


@transaction.atomic
def load() -> int:
    """Add the demo's studies; return how many new rows of note were made (domestic
    hospitals and site people, studies, sites, approvals and months of enrolment)."""
    if not Institution.objects.filter(name="Loma Linda University").exists():
        return 0
    office = User.objects.filter(username="office").first()
    if office is None:
        return 0
    users = {"office": office, "partner": User.objects.filter(username="partner").first()}
    today = timezone.localdate()
    created = _directory()
    for acronym, make in (
        ("PedCOVID-2020", _covid_2020),
        ("PedCOVID-Cohort", _cohort),
        ("PDA-Registry", _pda_registry),
    ):
        if Study.objects.filter(acronym=acronym).exists():
            continue
        study = make(users, today)
        if study is not None:
            created += 1 + study.sites.count()
            created += sum(
                site.approvals.count() + site.enrolments.count() for site in study.sites.all()
            )
    return created
