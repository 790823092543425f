"""Checking an uploaded file before it is kept: its size, its real type (read from its
content with ``filetype``, never trusted from its name) and a safe display name.

Shared documents (``sharing``) and the materials of activities (``events``) keep a file
only after ``check_upload`` passed; ``core.downloads`` hands it back as an attachment. A
shared document's file gets a random stored name (``sharing.models.version_storage_name``)
and its sanitised original name is only ever used in the ``Content-Disposition`` header.
"""

import codecs
import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"
MP4 = "video/mp4"
TEXT = "text/plain"

# Content type → the name endings a file of that type may have (the first is the usual).
ALLOWED: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    PPTX: (".pptx",),
    XLSX: (".xlsx",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    MP4: (".mp4", ".m4v"),
    TEXT: (".txt", ".md", ".csv"),
}
# The part an Office file must contain to be what its first entries claim.
OOXML_MAIN_PART = {DOCX: "word/document.xml", PPTX: "ppt/presentation.xml", XLSX: "xl/workbook.xml"}
KIND_NAMES = {
    PDF: "PDF",
    DOCX: "Word (.docx)",
    PPTX: "PowerPoint (.pptx)",
    XLSX: "Excel (.xlsx)",
    PNG: "PNG",
    JPEG: "JPEG",
    MP4: "MP4",
}
NAME_MAX_LENGTH = 120
_RESERVED = set('<>:"/\\|?*')


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # sanitised original name
    content_type: str
    size: int
    sha256: str


def kind_name(content_type: str) -> str:
    """How a person calls a type: "PDF", "Word (.docx)", "plain text"."""
    if content_type == TEXT:
        return _("plain text")
    return KIND_NAMES.get(content_type, content_type)


def _claimed_kind(suffix: str) -> str | None:
    """The type a name ending claims, if it is one Amity knows."""
    for content_type, endings in ALLOWED.items():
        if suffix in endings:
            return kind_name(content_type)
    return None


def max_upload_bytes() -> int:
    return settings.AMITY_MAX_UPLOAD_MB * 1024 * 1024


def allowed_types_text() -> str:
    return "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), PNG, JPEG, MP4, " + _(
        "plain text (.txt)"
    )


def sanitise_filename(name: str, *, fallback: str = "file") -> str:
    """A name safe to show and to offer as a download name: the last path part only (both
    / and \\ separate), no control or formatting characters, no characters Windows
    forbids, no leading dots, at most 120 characters with the ending kept. Letters of
    every script (Chinese too) stay."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = []
    for ch in name:
        category = unicodedata.category(ch)
        if category in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            continue
        cleaned.append("_" if ch in _RESERVED else (" " if category == "Zs" else ch))
    name = " ".join("".join(cleaned).split())  # collapse runs of blanks
    name = name.lstrip(". ").rstrip(". ")
    if not name or set(name) <= {"_", "."}:
        return fallback
    path = PurePosixPath(name)
    suffix = path.suffix if len(path.suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    if len(name) > NAME_MAX_LENGTH:
        stem = stem[: NAME_MAX_LENGTH - len(suffix)].rstrip(". ")
    return (stem or fallback) + suffix


def _head(upload, length: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def _is_utf8_text(upload) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _ooxml_is_complete(upload, content_type: str) -> bool:
    """An Office file is a ZIP; the first bytes only show where its entries start. Open
    it and look for the main part, so a plain ZIP cannot pass for a Word file."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and OOXML_MAIN_PART[content_type] in names


def detect_type(upload, *, name: str) -> str:
    """The content type read from the file's content; raises ValidationError with a
    message a person understands when it is not an allowed type or does not match the
    file's name."""
    guess = filetype.guess(_head(upload))
    suffix = PurePosixPath(name).suffix.lower()
    if guess is None:
        if suffix in ALLOWED[TEXT] and _is_utf8_text(upload):
            return TEXT
        raise ValidationError(
            _("The content of “%(name)s” is not a type Amity accepts. Upload %(types)s.")
            % {"name": name, "types": allowed_types_text()},
            code="type_unknown",
        )
    content_type = guess.mime
    if content_type not in ALLOWED:
        params = {
            "name": name,
            "extension": guess.extension,
            "mime": guess.mime,
            "types": allowed_types_text(),
            "claimed": _claimed_kind(suffix),
        }
        if params["claimed"]:
            message = _(
                "“%(name)s” is named like a %(claimed)s file, but its content is a "
                ".%(extension)s file (%(mime)s). Amity accepts %(types)s."
            )
        else:
            message = _(
                "The content of “%(name)s” is a .%(extension)s file (%(mime)s). Amity "
                "accepts %(types)s."
            )
        raise ValidationError(message % params, code="type_not_allowed")
    if content_type in OOXML_MAIN_PART and not _ooxml_is_complete(upload, content_type):
        raise ValidationError(
            _("“%(name)s” is not a complete %(kind)s file.")
            % {"name": name, "kind": kind_name(content_type)},
            code="type_incomplete",
        )
    if suffix not in ALLOWED[content_type]:
        raise ValidationError(
            _(
                "“%(name)s” is named like a %(suffix)s file but its content is %(kind)s. "
                "Rename it to end in %(expected)s, or choose the right file."
            )
            % {
                "name": name,
                "suffix": suffix or _("(no ending)"),
                "kind": kind_name(content_type),
                "expected": ALLOWED[content_type][0],
            },
            code="type_mismatch",
        )
    return content_type


def check_upload(upload) -> CheckedUpload:
    """Size, type and name of an upload (a Django ``UploadedFile`` or ``File``).

    Raises ValidationError (code ``too_large``, ``empty``, ``type_…``) and reads the file
    once to compute its SHA-256; leaves it rewound."""
    name = sanitise_filename(getattr(upload, "name", "") or "")
    limit = max_upload_bytes()
    size = upload.size
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s MB; the largest file Amity accepts is %(limit)s MB.")
            % {"name": name, "size": f"{size / 2**20:.1f}", "limit": settings.AMITY_MAX_UPLOAD_MB},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    content_type = detect_type(upload, name=name)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, content_type=content_type, size=size, sha256=digest.hexdigest())
