from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amity.directory.models import Language
from amity.relations import services
from amity.relations.models import Campaign
from tests.factories import InstitutionFactory, PersonFactory

BODY_EN = "{salutation},\n\nOur thoughts are with everyone at {partner}.\n\nHangzhou, {date}"
BODY_ZH = "{salutation}：\n\n我们牵挂着{partner}的各位同事。\n\n杭州，{date}"


@dataclass
class Contacts:
    """Partner contacts besides the world's: a professor at Stanford (Latin name only), a
    Chinese-speaking doctor in Singapore and a doctor in Hong Kong (names in Chinese
    characters, family name first)."""

    stanford: object
    singapore: object
    hong_kong: object
    rosenfeld: object
    tan: object
    chan: object


def pdf_bytes(text: str = "Signed") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def pdf_upload(name: str = "signed.pdf", text: str = "Signed") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), "application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def contacts(world) -> Contacts:
    # get_or_create: tests with transaction=True flush the languages the migration made.
    zh = Language.objects.get_or_create(code="zh", defaults={"name": "Chinese (Mandarin)"})[0]
    en = Language.objects.get_or_create(code="en", defaults={"name": "English"})[0]
    stanford = InstitutionFactory(
        name="Stanford University",
        short_name="Stanford",
        kind="university",
        country="US",
        city="Stanford",
        time_zone="America/Los_Angeles",
    )
    singapore = InstitutionFactory(
        name="KK Women's and Children's Hospital",
        short_name="KKH",
        country="SG",
        city="Singapore",
        time_zone="Asia/Singapore",
    )
    hong_kong = InstitutionFactory(
        name="Hong Kong Children's Hospital",
        name_local="香港兒童醫院",
        country="HK",
        city="Hong Kong",
        time_zone="Asia/Hong_Kong",
        partnership_status="prospective",
    )
    rosenfeld = PersonFactory(
        family_name="Rosenfeld",
        given_name="Ron",
        title="Prof.",
        email="ron.rosenfeld@stanford.example.org",
        institution=stanford,
        time_zone="America/Los_Angeles",
    )
    rosenfeld.languages.set([en])
    tan = PersonFactory(
        family_name="Tan",
        given_name="Wei Ling",
        family_name_local="陈",
        given_name_local="伟玲",
        name_order="family_first",
        title="Dr.",
        email="weiling.tan@kkh.example.org",
        institution=singapore,
        time_zone="Asia/Singapore",
    )
    tan.languages.set([en, zh])
    chan = PersonFactory(
        family_name="Chan",
        given_name="Tai Man",
        family_name_local="陈",
        given_name_local="大文",
        name_order="family_first",
        title="Prof.",
        email="taiman.chan@hkch.example.org",
        institution=hong_kong,
        time_zone="Asia/Hong_Kong",
    )
    return Contacts(stanford, singapore, hong_kong, rosenfeld, tan, chan)


@pytest.fixture
def make_campaign(world):
    """A draft bilingual letter; keyword arguments override its fields."""

    def _make(**fields) -> Campaign:
        return services.campaign_create(
            fields={
                "name": "Letter of solidarity",
                "letter_date": date(2020, 3, 20),
                "subject_en": "With you, {name}",
                "body_en": BODY_EN,
                "subject_zh": "与您同在",
                "body_zh": BODY_ZH,
                "signature_en": "Dr. Shu Qiang\nSecretary of the Party Committee",
                "signature_zh": "舒强\n党委书记",
                **fields,
            },
            user=world.office,
        )

    return _make


@dataclass
class Correspondence:
    """Agreements and letters with the world's two partners: Loma Linda (whose contact
    logs in) and Great Ormond Street."""

    own_agreement: object
    other_agreement: object
    draft: object
    campaign: object
    own_letter: object
    other_letter: object
    reply: object
    received: object
    other_received: object
    template: object
    recipient_list: object


@pytest.fixture
def correspondence(world, media, make_campaign) -> Correspondence:
    from amity.relations.models import Letter

    own_agreement = services.agreement_create(
        fields={
            "title": "Speech rehabilitation exchange",
            "kind": "exchange",
            "signed_on": date(2023, 5, 1),
            "expires_on": date(2033, 4, 30),
            "status": "active",
        },
        partners=[world.partner],
        file=pdf_upload("loma-linda-signed.pdf", "Loma Linda agreement"),
    )
    other_agreement = services.agreement_create(
        fields={
            "title": "Neonatal nursing research",
            "kind": "research",
            "signed_on": date(2022, 1, 10),
            "expires_on": date(2032, 1, 9),
            "status": "active",
        },
        partners=[world.other_partner],
        file=pdf_upload("gosh-signed.pdf", "GOSH agreement"),
    )
    campaign = make_campaign(name="Letter of solidarity, March 2020")
    services.campaign_send(campaign=campaign, user=world.office)
    own_letter = Letter.objects.get(campaign=campaign, person=world.partner_contact.person)
    other_letter = Letter.objects.get(campaign=campaign, person=world.other_partner_contact)
    reply = services.reply_record(
        letter=own_letter,
        fields={"received_on": date(2020, 3, 27), "summary": "Weekly video calls from May"},
        file=pdf_upload("reply.pdf", "Reply"),
    )
    received = services.incoming_letter_record(
        institution=world.partner,
        fields={"received_on": date(2020, 5, 2), "subject": "Course materials for May"},
        file=pdf_upload("materials.pdf", "Materials"),
    )
    other_received = services.incoming_letter_record(
        institution=world.other_partner,
        fields={"received_on": date(2020, 4, 2), "subject": "Masks arrived"},
        file=pdf_upload("masks.pdf", "Masks"),
    )
    template = services.template_save(
        template=None,
        fields={"name": "Season's greetings", "subject_en": "Greetings", "body_en": "{salutation}"},
    )
    recipient_list = services.recipient_list_save(
        recipient_list=None,
        fields={"name": "CICU call sites"},
        people=[world.other_partner_contact],
    )
    return Correspondence(
        own_agreement=own_agreement,
        other_agreement=other_agreement,
        draft=make_campaign(name="Thanks for the masks"),
        campaign=campaign,
        own_letter=own_letter,
        other_letter=other_letter,
        reply=reply,
        received=received,
        other_received=other_received,
        template=template,
        recipient_list=recipient_list,
    )
