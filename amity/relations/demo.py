"""Demo data for partner relations (loaded by ``manage load_demo``; safe to run twice).

- agreements: an MoU with Stanford, an exchange agreement with Loma Linda that expires
  about two months after the demo is loaded (so its expiry reminder goes to the office),
  the CICU call's research collaboration, an old MoU with Zurich that has expired, and a
  draft with Great Ormond Street;
- the seed's letter of solidarity to overseas partners (March 2020) as a bilingual
  template, and the campaign that sent it, with its letters;
- Loma Linda's reply (which started the weekly speech rehabilitation classroom) and a
  letter received from Stanford.

The 2020 letters are history: their emails are stored as already sent (on the day the
letter went out) and no send task is queued, so loading the demo sends no letter. Every
row is found by a natural key before it is made, so loading twice duplicates nothing.
"""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from amity.directory.models import Institution, Person
from amity.relations import services
from amity.relations.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Campaign,
    Delivery,
    IncomingLetter,
    LanguageMode,
    Letter,
    LetterTemplate,
    RecipientList,
    Reply,
)

SOLIDARITY = "Letter of solidarity to overseas partners (COVID-19)"
SOLIDARITY_CAMPAIGN = "Letter of solidarity, March 2020"
SENT_AT = datetime(2020, 3, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

SUBJECT_EN = "With you in these difficult days"
BODY_EN = "\n\n".join(
    [
        "{salutation},",
        "On behalf of the Children's Hospital of Zhejiang University School of Medicine, we "
        "write to you and to all your colleagues at {partner}.",
        "When COVID-19 first broke out in China, we received strong support from our "
        "international partners, and we have not forgotten it. Now that the epidemic is "
        "spreading around the world, our thoughts are with you, your patients and their "
        "families.",
        "We would like to share with you our latest experience in the diagnosis and treatment "
        "of children with COVID-19, and we are ready to join you online, in calls, classrooms "
        "and case discussions, whenever it helps. Please tell us what you need.",
        "We are together, and together we will overcome.",
        "With sincere care and best wishes,",
        "Hangzhou, {date}",
    ]
)
SUBJECT_ZH = "与您同在——致海外合作伙伴的慰问信"
BODY_ZH = """{salutation}：

值此艰难时刻，我们谨代表浙江大学医学院附属儿童医院，向您和{partner}的各位同事致以诚挚的问候。

新冠肺炎疫情在中国暴发之初，我们得到了国际合作伙伴的大力支持，对此我们铭记于心。如今疫情在全球蔓延，我们时刻牵挂着您、您的患者和他们的家人。

我们愿与您分享儿童新冠肺炎诊断与治疗的最新经验，并随时通过线上会议、课堂和病例讨论与您交流。如有任何需要，请告诉我们。

我们同在，携手必胜。

此致
敬礼！

杭州，{date}
"""
SIGNATURE_EN = (
    "Dr. Shu Qiang, Secretary of the Party Committee\n"
    "Dr. Fu Junfen, Executive Vice President\n"
    "Children's Hospital of Zhejiang University School of Medicine"
)
SIGNATURE_ZH = "舒强　党委书记\n傅君芬　常务副院长\n浙江大学医学院附属儿童医院"

# The partners' main contacts the letter went to (seed people, by email).
MAIN_CONTACTS = [
    "ron.rosenfeld@stanford.example.org",
    "robert.dorazio@ufl.example.org",
    "emily.carter@llu.example.org",
    "daniel.sullivan@bch.example.org",
    "rachel.goldberg@chop.example.org",
    "marc-antoine.gagnon@sickkids.example.org",
    "charlotte.evans@gosh.example.org",
    "giulia.romano@opbg.example.org",
    "james.whitfield@rch.example.org",
    "weiling.tan@kkh.example.org",
    "anapaula.ferreira@icr.example.org",
]
CICU_CONTACTS = [
    "daniel.sullivan@bch.example.org",
    "rachel.goldberg@chop.example.org",
    "marc-antoine.gagnon@sickkids.example.org",
    "charlotte.evans@gosh.example.org",
    "giulia.romano@opbg.example.org",
    "james.whitfield@rch.example.org",
    "weiling.tan@kkh.example.org",
    "anapaula.ferreira@icr.example.org",
]


def _institutions(*names: str) -> list[Institution]:
    found = list(Institution.objects.filter(name__in=names))
    return found if len(found) == len(names) else []


def _signed_copy(title: str) -> SimpleUploadedFile:
    """A one-page PDF standing in for the scanned signed agreement."""
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 760, title)
    page.setFont("Helvetica", 11)
    page.drawString(72, 736, "Signed copy (demo). Amity keeps the scan the parties signed.")
    page.showPage()
    page.save()
    return SimpleUploadedFile("signed-agreement.pdf", buffer.getvalue(), "application/pdf")


def _agreements(today: date) -> int:
    loma_expiry = today + timedelta(days=60)
    rows = [
        {
            "title": "Memorandum of understanding on paediatric endocrinology education",
            "kind": AgreementKind.MOU,
            "partners": ("Stanford University",),
            "scope": "Remote lectures and classrooms for paediatric endocrinologists in China; "
            "visiting scholars in both directions.",
            "signed_on": date(2018, 10, 15),
            "expires_on": date(2028, 10, 14),
            "status": AgreementStatus.ACTIVE,
        },
        {
            "title": "Exchange agreement: children's speech rehabilitation",
            "kind": AgreementKind.EXCHANGE,
            "partners": ("Loma Linda University",),
            "scope": "Weekly video connections between the Rehabilitation Department and the "
            "children's speech rehabilitation team; courses and case discussions.",
            "signed_on": loma_expiry - timedelta(days=3 * 365),
            "expires_on": loma_expiry,
            "status": AgreementStatus.ACTIVE,
            "file": True,
        },
        {
            "title": "COVID-19 Multicenter CICU Response: data sharing",
            "kind": AgreementKind.RESEARCH,
            "partners": (
                "Boston Children's Hospital",
                "Children's Hospital of Philadelphia",
                "The Hospital for Sick Children",
            ),
            "scope": "Sharing de-identified outcomes of children with COVID-19 in cardiac "
            "intensive care among the sites of the weekly call.",
            "signed_on": date(2020, 4, 1),
            "expires_on": None,
            "status": AgreementStatus.ACTIVE,
        },
        {
            "title": "Memorandum of understanding on paediatric surgery training",
            "kind": AgreementKind.MOU,
            "partners": ("University Children's Hospital Zurich",),
            "scope": "Training fellowships in paediatric surgery.",
            "signed_on": date(2008, 4, 1),
            "expires_on": date(2013, 3, 31),
            "status": AgreementStatus.ACTIVE,
        },
        {
            "title": "Research collaboration on neonatal nursing",
            "kind": AgreementKind.RESEARCH,
            "partners": ("Great Ormond Street Hospital",),
            "scope": "A joint study of family-centred care in neonatal intensive care.",
            "signed_on": None,
            "expires_on": None,
            "status": AgreementStatus.DRAFT,
        },
    ]
    created = 0
    for row in rows:
        if Agreement.objects.filter(title=row["title"]).exists():
            continue
        partners = _institutions(*row["partners"])
        if not partners:
            continue
        fields = {k: v for k, v in row.items() if k not in {"partners", "file"}}
        services.agreement_create(
            fields=fields,
            partners=partners,
            file=_signed_copy(row["title"]) if row.get("file") else None,
        )
        created += 1
    return created


def _people(emails: list[str]) -> list[Person]:
    by_email = {p.email: p for p in Person.objects.filter(email__in=emails)}
    return [by_email[e] for e in emails if e in by_email]


def _lists() -> tuple[int, RecipientList | None]:
    created = 0
    main = RecipientList.objects.filter(name="Overseas partners: main contacts").first()
    if main is None and _people(MAIN_CONTACTS):
        main = services.recipient_list_save(
            recipient_list=None,
            fields={
                "name": "Overseas partners: main contacts",
                "description": "The person each partner institution writes to us through.",
            },
            people=_people(MAIN_CONTACTS),
        )
        created += 1
    if not RecipientList.objects.filter(name="CICU Response call sites").exists() and _people(
        CICU_CONTACTS
    ):
        services.recipient_list_save(
            recipient_list=None,
            fields={
                "name": "CICU Response call sites",
                "description": "The partner sites of the COVID-19 Multicenter CICU Response "
                "weekly call.",
            },
            people=_people(CICU_CONTACTS),
        )
        created += 1
    return created, main


def _template() -> tuple[int, LetterTemplate]:
    template = LetterTemplate.objects.filter(name=SOLIDARITY).first()
    if template:
        return 0, template
    return 1, services.template_save(
        template=None,
        fields={
            "name": SOLIDARITY,
            "subject_en": SUBJECT_EN,
            "body_en": BODY_EN,
            "subject_zh": SUBJECT_ZH,
            "body_zh": BODY_ZH,
        },
    )


def _record_history(campaign: Campaign, when: datetime) -> int:
    """The campaign as it went out in 2020, sent through the same service as any letter,
    recorded as delivered on that day so that nothing is mailed again."""
    return services.campaign_send(campaign=campaign, delivered_at=when).letters


def _campaign(template: LetterTemplate, main: RecipientList | None) -> int:
    if main is None or Campaign.objects.filter(name=SOLIDARITY_CAMPAIGN).exists():
        return 0
    campaign = services.campaign_create(
        fields={
            **services.campaign_from_template(template),
            "name": SOLIDARITY_CAMPAIGN,
            "letter_date": SENT_AT.date(),
            "language_mode": LanguageMode.AUTO,
            "delivery": Delivery.EMAIL,
            "recipient_list": main,
            "signature_en": SIGNATURE_EN,
            "signature_zh": SIGNATURE_ZH,
        }
    )
    campaign.created_at = SENT_AT - timedelta(days=1)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=campaign.created_at)
    return 1 + _record_history(campaign, SENT_AT)


def _replies_and_received() -> int:
    created = 0
    letter = Letter.objects.filter(
        campaign__name=SOLIDARITY_CAMPAIGN, person__email="emily.carter@llu.example.org"
    ).first()
    if letter and not Reply.objects.filter(letter=letter).exists():
        services.reply_record(
            letter=letter,
            fields={
                "received_on": date(2020, 3, 27),
                "summary": "Thanks from the children's speech rehabilitation team. They "
                "propose weekly video connections with our Rehabilitation Department from "
                "May: courses and case discussions.",
            },
        )
        created += 1
    stanford = Institution.objects.filter(name="Stanford University").first()
    rosenfeld = Person.objects.filter(email="ron.rosenfeld@stanford.example.org").first()
    subject = "Thank you for the Remote International Classroom"
    if stanford and not IncomingLetter.objects.filter(institution=stanford, subject=subject):
        services.incoming_letter_record(
            institution=stanford,
            fields={
                "received_on": date(2020, 4, 24),
                "sender": rosenfeld,
                "subject": subject,
                "summary": "Prof. Rosenfeld thanks Dr. Fu for the classroom of 17 April and "
                "offers a second lecture on growth disorders.",
            },
        )
        created += 1
    return created


@transaction.atomic
def load_demo_relations() -> int:
    """Add the demo's relations; return how many new rows were made."""
    if not Institution.objects.filter(name="Loma Linda University").exists():
        return 0
    created = _agreements(timezone.localdate())
    lists_created, main = _lists()
    template_created, template = _template()
    created += lists_created + template_created
    created += _campaign(template, main)
    created += _replies_and_received()
    return created
