"""Fonts for the PDFs Amity writes (certificates, letters), shared by every feature.

Chinese names must render wherever a PDF is opened. Two ways are supported:

- ``AMITY_PDF_CJK_FONT`` names a TrueType/OpenType file (``.ttf``, ``.otf`` or a ``.ttc``
  collection, e.g. Noto Sans CJK SC from the operating system): the glyphs used are embedded,
  so every viewer shows them exactly;
- otherwise Adobe's standard CID font *STSong-Light* is referenced (ReportLab ships its
  metrics). It is not embedded: PDF viewers supply a matching Song/Ming face from the
  Adobe-GB1 character collection, which Acrobat, Chrome, Firefox, macOS Preview and
  poppler (with poppler-data) all do. No download is needed at run time.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class PdfFonts:
    latin: str
    latin_bold: str
    cjk: str
    embedded: bool


@cache
def _register(cjk_path: str) -> PdfFonts:
    from reportlab.pdfbase import pdfmetrics

    if cjk_path:
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("AmityCJK", cjk_path, subfontIndex=0))
        return PdfFonts("Helvetica", "Helvetica-Bold", "AmityCJK", embedded=True)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return PdfFonts("Helvetica", "Helvetica-Bold", "STSong-Light", embedded=False)


def pdf_fonts() -> PdfFonts:
    """Register the fonts once per process and return their names."""
    return _register(getattr(settings, "AMITY_PDF_CJK_FONT", ""))


def has_cjk(text: str) -> bool:
    """True when ``text`` holds characters the Latin fonts cannot draw."""
    return any(ord(ch) > 0x2FFF for ch in text)


def font_for(text: str, *, bold: bool = False) -> str:
    """The font to draw ``text`` with: the CJK font when it holds CJK characters."""
    fonts = pdf_fonts()
    if has_cjk(text):
        return fonts.cjk
    return fonts.latin_bold if bold else fonts.latin
