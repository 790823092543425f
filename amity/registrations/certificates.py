"""Certificates of attendance as PDF: one A4 landscape page, in English and Simplified
Chinese, with a verification code and a QR code of the public verification page.

Pure drawing, no database: the caller gathers a ``CertificateData`` per attendee and calls
``render_certificate`` (one PDF, for a download) or ``render_many`` (thousands of files,
for a background task). Fonts come from ``amity.core.pdf`` so Chinese names render.

The page's own wording is fixed and bilingual on purpose ("Certificate of Attendance /
参会证明"): a certificate reads the same whatever the language of the person who
generated it, so it is not run through gettext.

Speed: a few milliseconds of CPU per certificate, written to disk (the README gives the
latest figure of ``python -m benchmarks certificates``). Fonts are
registered once per process and inherited by forked workers; the page is drawn straight
on the canvas with a few dozen operators (no platypus layout, no images); the QR code comes
from segno, the QR library of the field, and is drawn as one path; streams are
compressed and not ASCII85-armoured.
``render_many`` writes each file atomically (temporary file, then rename), so a worker
that dies leaves no half-written PDF and a second run simply writes the same files again.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import segno

from amity.core.pdf import PdfFonts, pdf_fonts, register_fonts

# ----- verification codes -------------------------------------------------------------

# Crockford's base-32 alphabet: digits and capitals without I, L, O and U, so that no two
# symbols are easily confused when read aloud or typed from paper.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
# Nine random symbols (45 bits) and one check symbol: a guess succeeds with odds of about
# one in 3.5e13 per issued certificate, and a typo (one symbol wrong, or two neighbours
# swapped) is told apart from an unknown code without a database look-up.
_RANDOM_LENGTH = CODE_LENGTH - 1
# Prime, so that one wrong symbol or two swapped neighbours always change the check,
# except 0 for Z (their values, 0 and 31, differ by the modulus).
_CHECK_MODULUS = 31
_CODE_RE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
# What people type instead of a Crockford symbol.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_symbol(body: str) -> str:
    total = sum((position + 1) * ALPHABET.index(symbol) for position, symbol in enumerate(body))
    return ALPHABET[total % _CHECK_MODULUS]


def verification_code() -> str:
    """A new random code, e.g. ``7K3M9XQ2PF``: ten symbols, the last a check symbol."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LENGTH))
    return body + _check_symbol(body)


def normalise_code(text: str) -> str:
    """The code as stored, from what someone typed: capitals, without spaces or dashes,
    and O, I and L read as 0, 1 and 1."""
    return re.sub(r"[\s\-–—.]", "", text).upper().translate(_READ_AS)


def is_verification_code(text: str) -> bool:
    """True when ``text`` is a well-formed code (after ``normalise_code``) whose check
    symbol is right. Says nothing about whether such a certificate was issued."""
    code = normalise_code(text)
    if not _CODE_RE.fullmatch(code):
        return False
    return code[-1] == _check_symbol(code[:-1])


# ----- what a certificate says ----------------------------------------------------------


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate. Any text may be empty except the code and
    one of the two names."""

    code: str
    name: str  # Latin script, e.g. "Fu Junfen"
    name_local: str = ""  # local script, e.g. "傅君芬"
    title: str = ""  # the activity in English
    title_local: str = ""  # the activity in Chinese
    dates: str = ""  # e.g. "17 April 2027" or "17–19 April 2027 · 2027年4月17日至19日"
    minutes: int = 0
    issuer: str = ""  # e.g. "Children's Hospital, Zhejiang University School of Medicine"
    issuer_local: str = ""  # e.g. "浙江大学医学院附属儿童医院"
    verification_url: str = ""


def certificate_filename(data: CertificateData) -> str:
    return f"certificate-{data.code}.pdf"


# ----- drawing -----------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 841.8898, 595.2756  # A4 landscape, in points
MARGIN = 28.0
BRAND = (0.0, 0.42, 0.45)
INK = (0.13, 0.13, 0.13)
MUTED = (0.38, 0.38, 0.38)
QR_SIZE = 92.0
TEXT_WIDTH = PAGE_WIDTH - 2 * 90

# Text is drawn in runs: CJK characters in the CJK font, everything else in Helvetica
# (whose Latin letters and digits look better than the Song face's), so "2027年4月17日"
# or "This is to certify that · 兹证明" mix the two on one line. Helvetica, one of the PDF
# standard fonts, has only the letters of Windows-1252: a letter it lacks goes to the CJK
# font when that has it (Greek and Cyrillic are in Adobe-GB1; an embedded TrueType font
# says what it has), else it is printed with the accent Helvetica has ("ễ" as "ê", "ş"
# as "s", "Ł" as "L") rather than as a blank box.
_TOKENS = re.compile(r"[\u3000-\U0010ffff]|[^\s\u3000-\U0010ffff]+|\s+")
_GREEK_CYRILLIC = re.compile("[\u0370-\u04ff]").fullmatch
_FOLD = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "ŀ": "l"}


@cache
def _in_helvetica(character: str) -> bool:
    try:
        character.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@cache
def _in_cjk_font(font: str, embedded: bool, character: str) -> bool:
    if not embedded:
        return bool(_GREEK_CYRILLIC(character))
    from reportlab.pdfbase.pdfmetrics import getFont

    return ord(character) in getFont(font).face.charToGlyph


@cache
def _fold(character: str) -> str:
    """The nearest letter: the base letter with the first accent that still composes into
    Windows-1252 ("ễ" → "ê"), else the bare base letter ("ş" → "s")."""
    if character in _FOLD:
        return _FOLD[character]
    base, *marks = unicodedata.normalize("NFD", character)
    for mark in marks[:1]:
        composed = unicodedata.normalize("NFC", base + mark)
        if _in_helvetica(composed):
            return composed
    return base


def _piece(character: str, fonts: PdfFonts, latin: str) -> tuple[str, str]:
    """A character Helvetica lacks, and the font to draw it with."""
    for candidate in dict.fromkeys((character, _fold(character))):
        if _in_helvetica(candidate):
            return candidate, latin
        if _in_cjk_font(fonts.cjk, fonts.embedded, candidate):
            return candidate, fonts.cjk
    return "?", latin


def _runs(text: str, fonts: PdfFonts, bold: bool) -> list[tuple[str, str]]:
    latin = fonts.latin_bold if bold else fonts.latin
    runs: list[list[str]] = []
    for token in _TOKENS.findall(text):
        # A token is one CJK character or a run of others: its first character tells.
        if token[0] >= "\u3000":
            pieces = [(token, fonts.cjk)]
        elif all(map(_in_helvetica, token)):
            pieces = [(token, latin)]
        else:
            pieces = [(c, latin) if _in_helvetica(c) else _piece(c, fonts, latin) for c in token]
        for piece, font in pieces:
            if runs and runs[-1][1] == font:
                runs[-1][0] += piece
            else:
                runs.append([piece, font])
    return [(piece, font) for piece, font in runs]


def _width(text: str, fonts: PdfFonts, size: float, bold: bool) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(part, font, size) for part, font in _runs(text, fonts, bold))


def _wrap(text: str, fonts: PdfFonts, size: float, bold: bool, width: float) -> list[str]:
    """Greedy line breaking: between words, and between any two CJK characters."""
    lines: list[str] = []
    current = ""
    for token in _TOKENS.findall(text):
        candidate = current + token
        if (
            current.strip()
            and not token.isspace()
            and _width(candidate.strip(), fonts, size, bold) > width
        ):
            lines.append(current.strip())
            current = token
        else:
            current = candidate
    if current.strip():
        lines.append(current.strip())
    return lines


def _fit(
    text: str,
    fonts: PdfFonts,
    size: float,
    bold: bool,
    width: float,
    *,
    max_lines: int = 1,
    min_size: float = 8,
) -> tuple[list[str], float]:
    """The lines and size to draw ``text`` in at most ``max_lines`` lines of ``width``,
    shrinking the size (not below ``min_size``) until it fits."""
    while True:
        if _width(text, fonts, size, bold) <= width:
            return [text], size
        lines = _wrap(text, fonts, size, bold, width) if max_lines > 1 else [text]
        fits = len(lines) <= max_lines and all(
            _width(line, fonts, size, bold) <= width for line in lines
        )
        if fits or size <= min_size:
            return lines[:max_lines], size
        size = max(min_size, size * 0.92)


def _line(
    canvas,
    text: str,
    x: float,
    y: float,
    fonts: PdfFonts,
    size: float,
    *,
    bold=False,
    colour=INK,
    centred=True,
) -> None:
    """One line of mixed-script text, centred on ``x`` or starting at it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    runs = _runs(text, fonts, bold)
    if centred:
        x -= sum(stringWidth(part, font, size) for part, font in runs) / 2
    canvas.setFillColorRGB(*colour)
    for part, font in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += stringWidth(part, font, size)


def _block(
    canvas,
    text: str,
    y: float,
    fonts: PdfFonts,
    size: float,
    *,
    bold=False,
    colour=INK,
    max_lines: int = 1,
) -> float:
    """Draw ``text`` centred on the page from baseline ``y`` down, shrunk or wrapped to
    fit; return the baseline of the line after it."""
    if not text:
        return y
    lines, size = _fit(text, fonts, size, bold, TEXT_WIDTH, max_lines=max_lines)
    for line in lines:
        _line(canvas, line, PAGE_WIDTH / 2, y, fonts, size, bold=bold, colour=colour)
        y -= size * 1.3
    return y


def _frame(canvas) -> None:
    canvas.setStrokeColorRGB(*BRAND)
    canvas.setLineWidth(3)
    canvas.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    canvas.setLineWidth(0.8)
    inner = MARGIN + 7
    canvas.rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner)


def qr_modules(url: str) -> list[list[bool]]:
    """The dark (True) and light modules of ``url``'s QR code, top row first, without the
    quiet zone. Medium error correction, so that a crease or a smudge on a printed
    certificate still scans; segno picks the version and the mask as the standard says."""
    symbol = segno.make(url, error="m", boost_error=False, micro=False)
    return [[bool(module) for module in row] for row in symbol.matrix]


def _qr(canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled path of horizontal runs, in module units: a few hundred
    bytes of integers, written straight into the page (``Canvas.addLiteral``) because
    formatting each rectangle's floats through ReportLab's path object costs more than
    the rest of the page."""
    modules = qr_modules(url)
    count = len(modules)
    runs = []
    for row_index, row in enumerate(modules):
        bottom = count - 1 - row_index
        start = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append(f"{start} {bottom} {column - start} 1 re")
                start = None
    box = size / count
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(box, 0, 0, box, x, y)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _minutes_line(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    hours, rest = divmod(minutes, 60)
    duration = f" ({hours} h {rest:02d} min)" if hours else ""
    return f"Time attended: {minutes} {unit}{duration}  ·  参会时长：{minutes} 分钟"


def _draw(canvas, data: CertificateData, fonts: PdfFonts) -> None:
    _frame(canvas)
    middle = PAGE_WIDTH / 2

    y = PAGE_HEIGHT - 78
    y = _block(canvas, data.issuer, y, fonts, 13, bold=True, colour=BRAND)
    _block(canvas, data.issuer_local, y, fonts, 12, colour=BRAND)

    _line(
        canvas,
        "Certificate of Attendance",
        middle,
        PAGE_HEIGHT - 152,
        fonts,
        32,
        bold=True,
        colour=BRAND,
    )
    _line(canvas, "参会证明", middle, PAGE_HEIGHT - 186, fonts, 24, colour=BRAND)
    canvas.setFillColorRGB(*BRAND)
    canvas.rect(middle - 60, PAGE_HEIGHT - 199, 120, 2.2, stroke=0, fill=1)

    y = PAGE_HEIGHT - 232
    _line(canvas, "This is to certify that  ·  兹证明", middle, y, fonts, 12, colour=MUTED)
    y -= 42
    if data.name_local:
        y = _block(canvas, data.name_local, y, fonts, 30, bold=True)
        y = _block(canvas, data.name, y - 2, fonts, 18, bold=True)
    else:
        y = _block(canvas, data.name, y, fonts, 30, bold=True)

    y -= 8
    _line(canvas, "attended  ·  参加了", middle, y, fonts, 12, colour=MUTED)
    y -= 30
    y = _block(canvas, data.title, y, fonts, 18, bold=True, max_lines=2)
    y = _block(canvas, data.title_local, y, fonts, 16, max_lines=2)
    y = _block(canvas, data.dates, y - 2, fonts, 12, colour=MUTED)
    _block(canvas, _minutes_line(data.minutes), y - 4, fonts, 12)

    # Bottom right: the QR code with the code under it; bottom left: how to check it.
    qr_x = PAGE_WIDTH - MARGIN - 26 - QR_SIZE
    qr_y = MARGIN + 40
    if data.verification_url:
        _qr(canvas, data.verification_url, qr_x, qr_y, QR_SIZE)
    canvas.setFillColorRGB(*INK)
    canvas.setFont("Courier-Bold", 12)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, qr_y - 16, data.code)

    left = MARGIN + 30
    _line(
        canvas,
        "Verification code  ·  验证码",
        left,
        MARGIN + 68,
        fonts,
        9,
        colour=MUTED,
        centred=False,
    )
    canvas.setFillColorRGB(*INK)
    canvas.setFont("Courier-Bold", 14)
    canvas.drawString(left, MARGIN + 51, data.code)
    if data.verification_url:
        _line(
            canvas,
            "Check it by scanning the code or at  ·  扫码或访问以下网址核验",
            left,
            MARGIN + 34,
            fonts,
            9,
            colour=MUTED,
            centred=False,
        )
        size = _fit(data.verification_url, fonts, 9, False, qr_x - left - 20)[1]
        _line(
            canvas,
            data.verification_url,
            left,
            MARGIN + 21,
            fonts,
            size,
            colour=MUTED,
            centred=False,
        )


@contextlib.contextmanager
def _binary_streams():
    """Compressed streams without ASCII85 armour: a fifth smaller and quicker to write.

    ReportLab reads this switch from its global configuration when a document is written,
    so it is turned off only meanwhile; a document written in another thread at that very
    moment gets binary streams too, which every PDF reader accepts.
    """
    from reportlab import rl_config

    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as the bytes of a one-page PDF (A4 landscape)."""
    from reportlab.pdfgen.canvas import Canvas

    fonts = pdf_fonts()
    buffer = BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageCompression=1,
        invariant=1,  # no time stamp or random ID: the same data makes the same bytes
        initialFontName=fonts.latin,
    )
    title = " / ".join(part for part in (data.title, data.title_local) if part)
    canvas.setTitle(f"Certificate of Attendance / 参会证明 — {title}" if title else "Certificate")
    canvas.setAuthor(data.issuer or data.issuer_local)
    canvas.setSubject(data.code)
    _draw(canvas, data, fonts)
    with _binary_streams():
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


# ----- many at once ------------------------------------------------------------------


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _render_to(job: tuple[CertificateData, str]) -> str:
    data, out_dir = job
    path = Path(out_dir) / certificate_filename(data)
    _write_atomically(path, render_certificate(data))
    return str(path)


def _start_worker(cjk_path: str) -> None:
    # Already registered when the worker was forked; needed under "spawn".
    register_fonts(cjk_path)


def render_many(
    items: Iterable[CertificateData],
    out_dir: str | os.PathLike,
    *,
    processes: int | None = None,
    chunksize: int = 64,
) -> list[Path]:
    """Write one ``certificate-<code>.pdf`` per item into ``out_dir`` (created if needed)
    and return their paths, in the order of ``items``.

    ``processes`` defaults to the number of CPUs; 1 renders in this process. Workers are
    forked where the platform allows, after the fonts are registered here, so they start
    at once and share the parsed font metrics. Files are written atomically; an existing
    file of the same name is replaced.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fonts = pdf_fonts()  # register before forking, so every worker inherits them
    jobs = ((data, str(out)) for data in items)
    processes = processes or os.cpu_count() or 1
    if processes <= 1:
        return [Path(_render_to(job)) for job in jobs]
    # One certificate drawn here first loads ReportLab's modules and fills the caches once,
    # for every forked worker to inherit.
    render_certificate(CertificateData("0" * CODE_LENGTH, "A", "傅", verification_url="x"))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(processes, initializer=_start_worker, initargs=(fonts.cjk_path,)) as pool:
        return [Path(path) for path in pool.imap(_render_to, jobs, chunksize=chunksize)]
