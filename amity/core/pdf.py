"""Fonts for the PDFs Amity writes (certificates, letters), shared by every feature.

Chinese names must render wherever a PDF is opened. Two ways are supported:

- ``AMITY_PDF_CJK_FONT`` (a Django setting, or the environment variable of that name when
  the setting is absent) names a TrueType file (``.ttf`` or a ``.ttc`` collection with
  TrueType outlines, e.g. WenQuanYi Zen Hei from Debian's ``fonts-wqy-zenhei`` or AR PL
  UMing from ``fonts-arphic-uming``): the glyphs used are embedded, so every viewer shows
  them exactly. ReportLab cannot embed fonts with PostScript (CFF) outlines, which rules
  out Noto Sans CJK and Source Han (``.otf``/``.ttc``); such a file is refused with a
  message that says so;
- otherwise Adobe's standard CID font *STSong-Light* is referenced (ReportLab ships its
  metrics). It is not embedded: PDF viewers supply a matching Song/Ming face from the
  Adobe-GB1 character collection, which Acrobat, Chrome, Firefox, macOS Preview and
  poppler (with poppler-data) all do. No download is needed at run time, and a document
  stays small and quick to write (no font subsetting).

Fonts are registered once per process (``register_fonts`` is cached); a process forked
after that inherits them.
"""

import os
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PdfFonts:
    latin: str
    latin_bold: str
    cjk: str
    embedded: bool
    # The TrueType file embedded for CJK text ("" when STSong-Light is referenced), so
    # that a worker process can register the same fonts without Django's settings.
    cjk_path: str = ""


@cache
def register_fonts(cjk_path: str = "") -> PdfFonts:
    """Register the fonts (once per process and path) and return their names.

    Needs no Django settings, so a worker process can call it with the path its parent
    resolved through ``pdf_fonts()``.
    """
    from reportlab.pdfbase import pdfmetrics

    if cjk_path:
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        try:
            font = TTFont("AmityCJK", cjk_path, subfontIndex=0)
        except TTFError as exc:
            raise ImproperlyConfigured(
                f"AMITY_PDF_CJK_FONT={cjk_path!r} cannot be embedded ({exc}). ReportLab "
                "embeds only fonts with TrueType outlines: use e.g. WenQuanYi Zen Hei "
                "(wqy-zenhei.ttc) or AR PL UMing (uming.ttc), not Noto Sans CJK or Source "
                "Han, or leave the setting empty to reference STSong-Light."
            ) from exc
        pdfmetrics.registerFont(font)
        return PdfFonts("Helvetica", "Helvetica-Bold", "AmityCJK", True, cjk_path)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return PdfFonts("Helvetica", "Helvetica-Bold", "STSong-Light", embedded=False)


def configured_cjk_font() -> str:
    """The CJK font file to embed: the setting, else the environment, else none."""
    value = None
    if settings.configured:
        value = getattr(settings, "AMITY_PDF_CJK_FONT", None)
    if value is None:
        value = os.environ.get("AMITY_PDF_CJK_FONT", "")
    return str(value or "")


def pdf_fonts() -> PdfFonts:
    """Register the fonts once per process and return their names."""
    return register_fonts(configured_cjk_font())


def has_cjk(text: str) -> bool:
    """True when ``text`` holds characters the Latin fonts cannot draw."""
    return any(ord(ch) > 0x2FFF for ch in text)


def font_for(text: str, *, bold: bool = False) -> str:
    """The font to draw ``text`` with: the CJK font when it holds CJK characters."""
    fonts = pdf_fonts()
    if has_cjk(text):
        return fonts.cjk
    return fonts.latin_bold if bold else fonts.latin
