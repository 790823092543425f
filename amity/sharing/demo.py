"""The seed's shared experience as documents: ZCH's COVID-19 diagnosis and treatment
experience for children (for all partners), a cardiac ICU protocol for the CICU call's
partner sites, an endocrinology guideline and a lecture recording for Stanford, a home
rehabilitation guideline and a case for Loma Linda's speech rehabilitation team, and a few
internal ones.

The files are small PDFs made here with ReportLab (Chinese drawn with the fonts of
``amity.core.pdf``), so their text is extracted and searchable like any upload. The text
is illustrative demo content, not clinical guidance. Documents are found by their titles:
loading twice adds nothing.
"""

import io
import textwrap
from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from amity.accounts.models import User
from amity.core.pdf import font_for, has_cjk
from amity.directory.models import Department, Institution
from amity.sharing import services
from amity.sharing.models import Document, Tag

CICU_SITES = [
    "Boston Children's Hospital",
    "Children's Hospital of Philadelphia",
    "The Hospital for Sick Children",
    "Great Ormond Street Hospital",
    "Bambino Gesù Children's Hospital",
    "The Royal Children's Hospital Melbourne",
    "KK Women's and Children's Hospital",
]

TAGS = [
    ("COVID-19", "新冠肺炎", "covid-19"),
    ("Cardiac ICU", "心脏重症监护", "cardiac-icu"),
    ("Cardiology", "心血管", "cardiology"),
    ("Endocrinology", "内分泌", "endocrinology"),
    ("Rehabilitation", "康复", "rehabilitation"),
    ("Nursing", "护理", "nursing"),
    ("Infection control", "感染防控", "infection-control"),
    ("Neonatology", "新生儿", "neonatology"),
    ("Research methods", "科研方法", "research-methods"),
]

HOSPITAL = "Children's Hospital of Zhejiang University School of Medicine"
DISCLAIMER = "Amity demo document: illustrative text, not clinical guidance."


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Each: the document's fields, its topics and sharing, its owner's demo login, and its
# versions (file name, date, what changed, body text) — or a link for a recording.
DOCUMENTS = [
    {
        "fields": {
            "title": "Diagnosis and treatment of COVID-19 in children: the ZCH experience",
            "title_local": "儿童新型冠状病毒肺炎诊治经验（浙江大学医学院附属儿童医院）",
            "summary": "How the Children's Hospital of Zhejiang University screened, isolated, "
            "diagnosed and treated children with COVID-19 in early 2020: triage at the fever "
            "clinic, testing of family clusters, imaging findings, supportive care, and "
            "discharge and follow-up criteria.",
            "summary_local": "浙大儿院2020年初儿童新冠肺炎的筛查、隔离、诊断与治疗经验：发热门诊"
            "预检分诊、家庭聚集性病例检测、影像学表现、对症支持治疗及出院与随访标准。",
            "kind": "case",
            "scope": "all_partners",
        },
        "department": "infectious-diseases",
        "tags": ["covid-19", "infection-control"],
        "owner": "office",
        "versions": [
            {
                "name": "ZCH COVID-19 children experience, 1st edition.pdf",
                "at": "2020-02-10T08:00:00",
                "note": "",
                "body": [
                    "Most children were infected within family clusters. Many had mild fever "
                    "and cough; some had no symptoms at all and were found by screening.",
                    "Triage: every child with fever is seen at the separate fever clinic; the "
                    "epidemiological history of the family is taken first.",
                    "大多数患儿为家庭聚集性感染，症状较轻，以发热、咳嗽为主，部分无症状感染者经筛查发现。",
                ],
            },
            {
                "name": "ZCH COVID-19 children experience, 3rd edition.pdf",
                "at": "2020-03-16T08:00:00",
                "note": "Third edition: adds the care of children with underlying heart "
                "disease, chest CT findings in infants, and the discharge and follow-up "
                "criteria.",
                "body": [
                    "Most children were infected within family clusters. Many had mild fever "
                    "and cough; some had no symptoms at all and were found by screening.",
                    "Children with underlying congenital heart disease are admitted to a "
                    "single room with cardiac monitoring and reviewed daily by a cardiologist.",
                    "Discharge: normal temperature for more than three days, improved "
                    "respiratory symptoms, and two negative nucleic acid tests 24 hours apart.",
                    "出院标准：体温恢复正常3天以上，呼吸道症状明显好转，连续两次核酸检测阴性（间隔至少24小时）。",
                ],
            },
        ],
    },
    {
        "fields": {
            "title": "Home speech and language rehabilitation during COVID-19: guideline for "
            "families",
            "title_local": "新冠肺炎疫情期间儿童居家言语康复指导",
            "summary": "A home programme for children whose speech therapy was interrupted "
            "by the epidemic: daily exercises parents can lead, how to run a video session "
            "with the therapist, and warning signs that need a visit.",
            "summary_local": "为疫情期间言语治疗中断的儿童制定的居家康复方案："
            "家长可带领的每日练习、"
            "如何与治疗师进行视频训练，以及需要到院就诊的预警信号。",
            "kind": "guideline",
            "scope": "chosen",
        },
        "department": "rehabilitation",
        "tags": ["rehabilitation", "covid-19"],
        "partners": ["Loma Linda University"],
        "owner": "coordinator",
        "versions": [
            {
                "name": "Home speech rehabilitation guideline.pdf",
                "at": "2020-03-02T02:00:00",
                "note": "",
                "body": [
                    "Practise for 15 to 20 minutes twice a day, at the same time each day, "
                    "in a quiet room without screens.",
                    "Oral motor warm-up, breathing and voice exercises, then naming games "
                    "with pictures the therapist chose for your child.",
                    "Weekly video session: the therapist watches one exercise and adjusts "
                    "the programme for the next week.",
                    "每天练习两次，每次15至20分钟；每周与治疗师视频连线一次，调整下一周的训练计划。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Cardiac ICU protocol for children with COVID-19 around heart surgery",
            "title_local": "新冠肺炎疫情期间儿童心脏重症监护室围术期管理方案",
            "summary": "Screening before elective and urgent heart surgery, protected "
            "intubation and extubation, isolation beds in the cardiac intensive care unit, "
            "ECMO readiness, and visiting rules for parents.",
            "summary_local": "儿童心脏重症监护室在疫情期间的围术期管理：择期及急诊心脏手术前筛查、"
            "防护下气管插管与拔管、隔离床位、ECMO 准备以及家长探视规定。",
            "kind": "protocol",
            "scope": "chosen",
        },
        "department": "cardiac-icu",
        "tags": ["cardiac-icu", "covid-19"],
        "partners": CICU_SITES,
        "owner": "staff",
        "versions": [
            {
                "name": "CICU perioperative COVID-19 protocol.pdf",
                "at": "2020-04-08T01:00:00",
                "note": "",
                "body": [
                    "Every child admitted for cardiac surgery has a nucleic acid test and a "
                    "chest CT within 48 hours before the operation.",
                    "Intubation and extubation are done by the most experienced clinician, "
                    "with full protective equipment and a video laryngoscope.",
                    "Two negative-pressure isolation beds are kept free in the cardiac "
                    "intensive care unit; an ECMO circuit is primed and ready.",
                    "儿童心脏重症监护室保留两张负压隔离床位，ECMO 管路预充备用。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Guideline for growth hormone treatment in children (2020 update)",
            "title_local": "儿童生长激素临床应用指南（2020年更新）",
            "summary": "Indications, dosing, monitoring and safety of recombinant growth "
            "hormone in children with growth hormone deficiency, Turner syndrome and "
            "small-for-gestational-age short stature, as discussed in the Remote "
            "International Classroom.",
            "summary_local": "重组人生长激素在生长激素缺乏症、特纳综合征及小于胎龄儿矮小中的"
            "适应证、"
            "剂量、监测与安全性，结合远程国际课堂的讨论。",
            "kind": "guideline",
            "scope": "chosen",
        },
        "department": "endocrinology",
        "tags": ["endocrinology"],
        "partners": ["Stanford University"],
        "owner": "office",
        "versions": [
            {
                "name": "Growth hormone guideline 2020.pdf",
                "at": "2020-05-20T03:00:00",
                "note": "",
                "body": [
                    "Before treatment: growth velocity, bone age, two stimulation tests and "
                    "pituitary imaging where deficiency is confirmed.",
                    "Monitoring every three months: height, weight, pubertal stage, IGF-1, "
                    "thyroid function and fasting glucose.",
                    "治疗期间每3个月随访身高、体重、青春期发育、IGF-1、甲状腺功能及空腹血糖。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Remote International Classroom: paediatric endocrinology lecture (recording)",
            "title_local": "",
            "summary": "Recording of the Remote International Classroom in which a Stanford "
            "professor taught endocrinologists across China about growth disorders.",
            "summary_local": "",
            "kind": "recording",
            "scope": "chosen",
        },
        "department": "endocrinology",
        "tags": ["endocrinology"],
        "partners": ["Stanford University"],
        "owner": "office",
        "link": "https://recordings.zch.example.org/remote-classroom-2020-endocrinology",
        "at": "2020-05-21T03:00:00",
    },
    {
        "fields": {
            "title": "2020 PDA Management Forum: keynote slides",
            "title_local": "2020 动脉导管未闭管理论坛：主旨报告",
            "summary": "Slides of the keynote at the network video conference on the "
            "management of patent ductus arteriosus in preterm infants.",
            "summary_local": "网络视频会议主旨报告幻灯片：早产儿动脉导管未闭的管理。",
            "kind": "slides",
            "scope": "all_partners",
        },
        "department": "cardiology",
        "tags": ["cardiology", "neonatology"],
        "owner": "staff",
        "versions": [
            {
                "name": "PDA forum 2020 keynote.pdf",
                "at": "2020-06-13T06:00:00",
                "note": "",
                "body": [
                    "Patent ductus arteriosus in preterm infants: when to treat, when to wait.",
                    "Echocardiography criteria of a haemodynamically significant duct.",
                    "早产儿动脉导管未闭：治疗时机与超声心动图评估标准。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Infection prevention and control on paediatric wards during COVID-19",
            "title_local": "新冠肺炎疫情期间儿科病房感染防控规范",
            "summary": "Internal ward rules: one carer per child, temperature checks, zoning "
            "of wards, protective equipment by area, and cleaning of shared toys.",
            "summary_local": "院内病房规范：每名患儿限一名陪护、体温监测、病区分区、"
            "分区防护及公共玩具消毒。",
            "kind": "protocol",
            "scope": "internal",
        },
        "department": "nursing",
        "tags": ["infection-control", "nursing", "covid-19"],
        "owner": "office",
        "versions": [
            {
                "name": "Ward infection control rules.pdf",
                "at": "2020-02-05T01:00:00",
                "note": "",
                "body": [
                    "One carer per child; the carer stays on the ward and is screened on "
                    "admission.",
                    "每名患儿限一名固定陪护，入院时进行筛查。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Bob's Talk 3: sample size and power for clinical studies",
            "title_local": "",
            "summary": "Slides of the third lecture of the statistics and research series: "
            "choosing the outcome, effect size, power and sample size calculation.",
            "summary_local": "",
            "kind": "slides",
            "scope": "internal",
        },
        "department": "research",
        "tags": ["research-methods"],
        "owner": "office",
        "versions": [
            {
                "name": "Bobs Talk 3 - sample size.pdf",
                "at": "2020-07-02T07:00:00",
                "note": "",
                "body": [
                    "Sample size depends on the expected effect, its variability, the "
                    "significance level and the power wanted.",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Speech therapy by video for a child with cerebral palsy: a case",
            "title_local": "视频远程言语治疗：脑瘫患儿一例",
            "summary": "A five-year-old with spastic cerebral palsy and dysarthria kept "
            "improving over twelve weeks of video sessions during the epidemic.",
            "summary_local": "一名5岁痉挛型脑瘫伴构音障碍患儿，"
            "在疫情期间经12周视频言语治疗持续改善。",
            "kind": "case",
            "scope": "chosen",
        },
        "department": "rehabilitation",
        "tags": ["rehabilitation"],
        "partners": ["Loma Linda University"],
        "owner": "coordinator",
        "versions": [
            {
                "name": "Video speech therapy case.pdf",
                "at": "2020-05-06T02:00:00",
                "note": "",
                "body": [
                    "Twelve weekly video sessions with the family; intelligibility rose from "
                    "40 to 65 percent of words understood by an unfamiliar listener.",
                    "经12周视频训练，患儿言语清晰度由40%提高到65%。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "",
            "title_local": "体外膜肺氧合（ECMO）团队演练核查表（草案）",
            "summary": "",
            "summary_local": "儿童心脏重症监护室 ECMO 团队季度演练用核查表，内部讨论稿。",
            "kind": "protocol",
            "scope": "internal",
        },
        "department": "cardiac-icu",
        "tags": ["cardiac-icu"],
        "owner": "staff",
        "versions": [
            {
                "name": "ECMO 团队演练核查表（草案）.pdf",
                "at": "2020-08-12T02:00:00",
                "note": "",
                "body": [
                    "演练前：确认人员分工、管路预充、血制品及药品准备。",
                    "演练后：记录建立体外循环所用时间，讨论改进措施。",
                ],
            }
        ],
    },
    {
        "fields": {
            "title": "Care of newborns born to mothers with COVID-19",
            "title_local": "新冠肺炎产妇所生新生儿管理建议",
            "summary": "Delivery room precautions, isolation and testing of the newborn, "
            "feeding advice and follow-up.",
            "summary_local": "产房防护、新生儿隔离与检测、喂养建议及随访。",
            "kind": "guideline",
            "scope": "all_partners",
        },
        "department": "neonatology",
        "tags": ["neonatology", "covid-19"],
        "owner": "office",
        "versions": [
            {
                "name": "Newborns of mothers with COVID-19.pdf",
                "at": "2020-02-20T02:00:00",
                "note": "",
                "body": [
                    "The newborn is isolated and observed for 14 days; nucleic acid tests "
                    "at birth and before discharge.",
                    "新生儿单间隔离观察14天，出生时及出院前分别进行核酸检测。",
                ],
            }
        ],
    },
]


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap a paragraph to ``width`` points: by words for Latin text, by characters
    for Chinese (which has no spaces to break at)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not has_cjk(text):
        return textwrap.wrap(text, width=int(width / (size * 0.5))) or [""]
    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def make_pdf(*, title: str, subtitle: str, paragraphs: list[str]) -> bytes:
    """A small A4 PDF with real (extractable) text in English and Chinese."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(title or subtitle)
    width, height = A4
    margin, y = 56, height - 72

    def draw(text: str, size: float, bold: bool = False, gap: float = 6) -> None:
        nonlocal y
        font = font_for(text, bold=bold)
        for line in _lines(text, font, size, width - 2 * margin):
            if y < margin:
                pdf.showPage()
                y = height - 72
            pdf.setFont(font, size)
            pdf.drawString(margin, y, line)
            y -= size * 1.4
        y -= gap

    for heading in (title, subtitle):
        if heading:
            draw(heading, 15, bold=True)
    draw(HOSPITAL, 9)
    y -= 8
    for paragraph in paragraphs:
        draw(paragraph, 11)
    draw(DISCLAIMER, 8)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _tags() -> dict[str, Tag]:
    tags = {}
    for name, name_local, slug in TAGS:
        tags[slug] = Tag.objects.filter(slug=slug).first() or services.tag_create(
            name=name, name_local=name_local
        )
    return tags


def _pdf_upload(data: dict, version: dict) -> SimpleUploadedFile:
    content = make_pdf(
        title=data["fields"]["title"],
        subtitle=data["fields"]["title_local"],
        paragraphs=version["body"],
    )
    return SimpleUploadedFile(version["name"], content, content_type="application/pdf")


@transaction.atomic
def load_demo_sharing() -> int:
    """Add the demo's shared documents that are missing; return how many were added."""
    tags = _tags()
    users = {
        user.username: user
        for user in User.objects.filter(username__in=["office", "coordinator", "staff"])
    }
    added = 0
    for data in DOCUMENTS:
        fields = data["fields"]
        if Document.objects.filter(
            title=fields["title"], title_local=fields["title_local"]
        ).exists():
            continue
        fields = {
            **fields,
            "department": Department.objects.filter(slug=data["department"]).first(),
        }
        common = {
            "fields": fields,
            "owner": users.get(data["owner"]),
            "tags": [tags[slug] for slug in data["tags"]],
            "partners": list(Institution.objects.filter(name__in=data.get("partners", []))),
        }
        if "link" in data:
            services.document_create(**common, link=data["link"], uploaded_at=_at(data["at"]))
        else:
            first, *later = data["versions"]
            document = services.document_create(
                **common, upload=_pdf_upload(data, first), uploaded_at=_at(first["at"])
            )
            for version in later:
                services.version_add(
                    document=document,
                    uploaded_by=common["owner"],
                    note=version["note"],
                    upload=_pdf_upload(data, version),
                    uploaded_at=_at(version["at"]),
                )
        added += 1
    return added
