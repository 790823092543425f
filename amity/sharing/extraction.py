"""The text inside an uploaded file, for search: PDF (pypdf), Word (python-docx),
PowerPoint and Excel (their XML, read directly) and plain text.

Runs once, when a version is uploaded. A file that cannot be read still uploads; it is
only not searchable by its content. Limits keep a hostile file from costing much: pages
read, the total text kept, and the unpacked size of an Office file's parts.
"""

import html
import logging
import re
import zipfile

from amity.core import uploads

logger = logging.getLogger(__name__)

TEXT_LIMIT = 100_000  # characters kept per version
PDF_PAGE_LIMIT = 500
OOXML_PART_LIMIT = 50 * 1024 * 1024  # unpacked bytes of one XML part
_XML_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")


def _tidy(text: str) -> str:
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()[:TEXT_LIMIT]


def _pdf(upload) -> str:
    from pypdf import PdfReader

    reader = PdfReader(upload)
    parts, length = [], 0
    for page in reader.pages[:PDF_PAGE_LIMIT]:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length >= TEXT_LIMIT:
            break
    return "\n".join(parts)


def _docx(upload) -> str:
    import docx

    document = docx.Document(upload)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _ooxml_parts(upload, *prefixes: str) -> str:
    """Text runs of the matching parts of a PowerPoint or Excel file, read from the XML
    with a pattern (no XML parser, so no entity expansion), in name order."""
    parts = []
    with zipfile.ZipFile(upload) as archive:
        members = sorted(
            (m for m in archive.infolist() if m.filename.startswith(prefixes)),
            key=lambda m: [int(n) if n.isdigit() else n for n in re.split(r"(\d+)", m.filename)],
        )
        for member in members:
            if not member.filename.endswith(".xml") or member.file_size > OOXML_PART_LIMIT:
                continue
            data = archive.read(member)
            parts.append(
                " ".join(
                    html.unescape(t.decode("utf-8", "replace")) for t in _XML_TEXT.findall(data)
                )
            )
    return "\n".join(parts)


def _text(upload) -> str:
    upload.seek(0)
    return upload.read(TEXT_LIMIT * 4).decode("utf-8-sig", "replace")


EXTRACTORS = {
    uploads.PDF: _pdf,
    uploads.DOCX: _docx,
    uploads.PPTX: lambda upload: _ooxml_parts(upload, "ppt/slides/slide"),
    uploads.XLSX: lambda upload: _ooxml_parts(upload, "xl/sharedStrings", "xl/worksheets/sheet"),
    uploads.TEXT: _text,
}


def extract_text(upload, content_type: str) -> str:
    """The searchable text of a checked upload (``uploads.check_upload``), at most
    ``TEXT_LIMIT`` characters; "" for images, video and unreadable files. Leaves the file
    rewound."""
    extractor = EXTRACTORS.get(content_type)
    if extractor is None:
        return ""
    if content_type in uploads.OOXML_MAIN_PART and not _sizes_are_sane(upload):
        return ""
    upload.seek(0)
    try:
        return _tidy(extractor(upload))
    except Exception:  # a damaged or hostile file: keep it, but it has no text
        logger.warning("could not read the text of an uploaded %s", content_type, exc_info=True)
        return ""
    finally:
        upload.seek(0)


def _sizes_are_sane(upload) -> bool:
    """Refuse to unpack an Office file whose parts claim huge sizes (a ZIP bomb)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return all(m.file_size <= OOXML_PART_LIMIT for m in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
