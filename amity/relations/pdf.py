"""Letters as PDF on the hospital's letterhead (ReportLab, with ``amity.core.pdf``'s fonts
so that Chinese renders).

The letterhead carries the home hospital's name in English and Chinese and an address
line; then come the date in the letter's language, the recipient, the subject, the letter
and the signature block. A letter in both languages is the Chinese letter followed by the
English one, each starting on a page of its own; many letters make one PDF to print.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation

from amity.core.pdf import font_for, has_cjk, pdf_fonts
from amity.directory.models import Institution, PartnershipStatus
from amity.relations.letters import DJANGO_LANGUAGE, date_in, partner_name
from amity.relations.models import Letter

BRAND = (0.0, 0.42, 0.45)


def letterhead_institution() -> Institution | None:
    """The home hospital, whose names head every letter."""
    return Institution.objects.filter(partnership_status=PartnershipStatus.HOME).first()


def letterhead_address(home: Institution | None) -> str:
    configured = getattr(settings, "AMITY_LETTERHEAD_ADDRESS", "")
    if configured:
        return configured
    if home is None:
        return ""
    with translation.override("en"):
        place = ", ".join(p for p in (home.city, str(home.country.name)) if p)
    return " · ".join(p for p in (place, home.website) if p)


def _paragraphs(text: str) -> list[str]:
    blocks = [block.strip("\n") for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block.strip()]


def _styles(language: str):
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    fonts = pdf_fonts()
    chinese = language == "zh"
    body = ParagraphStyle(
        "body",
        fontName=fonts.cjk if chinese else fonts.latin,
        fontSize=11,
        leading=18 if chinese else 15,
        spaceAfter=8,
        wordWrap="CJK" if chinese else None,
    )
    return {
        "body": body,
        "date": ParagraphStyle("date", parent=body, alignment=TA_RIGHT),
        "subject": ParagraphStyle(
            "subject",
            parent=body,
            fontName=fonts.cjk if chinese else fonts.latin_bold,
            spaceBefore=6,
            spaceAfter=12,
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=10, leading=14, spaceAfter=0),
    }


def _para(text: str, style):
    """A paragraph whose font fits its text (Chinese characters in an English letter
    still render)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    markup = escape(text).replace("\n", "<br/>")
    if has_cjk(text) and style.fontName != pdf_fonts().cjk:
        style = ParagraphStyle(
            style.name + "-cjk", parent=style, fontName=font_for(text), wordWrap="CJK"
        )
    return Paragraph(markup, style)


def _letter_flowables(letter: Letter, language: str, subject: str, body: str) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    styles = _styles(language)
    person, campaign = letter.person, letter.campaign
    flow = [_para(date_in(campaign.letter_date, language), styles["date"]), Spacer(1, 4 * mm)]
    recipient = [letter.recipient_name if language == "en" else _name_zh(letter)]
    if person.position and language == "en":
        recipient.append(person.position)
    recipient.append(partner_name(letter.institution, language))
    flow.append(_para("\n".join(recipient), styles["small"]))
    flow += [Spacer(1, 6 * mm), _para(subject, styles["subject"])]
    flow += [_para(paragraph, styles["body"]) for paragraph in _paragraphs(body)]
    signature = campaign.signature_zh if language == "zh" else campaign.signature_en
    if signature.strip():
        flow += [Spacer(1, 8 * mm), _para(signature.strip(), styles["body"])]
    return flow


def _name_zh(letter: Letter) -> str:
    from amity.relations.letters import name_in

    return name_in(letter.person, "zh")


def _draw_letterhead(canvas, doc, home: Institution | None, address: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    fonts = pdf_fonts()
    width, height = A4
    canvas.saveState()
    canvas.setFillColorRGB(*BRAND)
    name = home.name if home else "Amity"
    canvas.setFont(fonts.latin_bold, 13)
    canvas.drawString(20 * mm, height - 18 * mm, name)
    if home and home.name_local:
        canvas.setFont(font_for(home.name_local), 13)
        canvas.drawString(20 * mm, height - 25 * mm, home.name_local)
    canvas.setFillColorRGB(0.3, 0.3, 0.3)
    if address:
        canvas.setFont(font_for(address), 8.5)
        canvas.drawString(20 * mm, height - 31 * mm, address)
    canvas.setStrokeColorRGB(*BRAND)
    canvas.setLineWidth(1.2)
    canvas.line(20 * mm, height - 34 * mm, width - 20 * mm, height - 34 * mm)
    canvas.setFont(fonts.latin, 8)
    canvas.drawRightString(width - 20 * mm, 12 * mm, str(doc.page))
    canvas.restoreState()


def letters_pdf(letters: list[Letter], *, home: Institution | None = None) -> bytes:
    """One PDF holding ``letters`` (each with ``person``, ``institution`` and
    ``campaign`` loaded), every language of every letter starting on a new page.
    ``home`` saves looking the home hospital up again when writing many PDFs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    home = home or letterhead_institution()
    address = letterhead_address(home)
    buffer = BytesIO()
    title = letters[0].subject if len(letters) == 1 else letters[0].campaign.name
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=44 * mm,
        bottomMargin=22 * mm,
        title=title,
        author=home.name if home else "Amity",
    )
    story: list = []
    for letter in letters:
        for language, subject, body in letter.parts:
            if story:
                story.append(PageBreak())
            with translation.override(DJANGO_LANGUAGE[language]):
                story += _letter_flowables(letter, language, subject, body)

    def on_page(canvas, document):
        _draw_letterhead(canvas, document, home, address)

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
