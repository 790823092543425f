"""Checking an uploaded signed agreement or scanned letter before it is kept.

Size first (``AMITY_MAX_UPLOAD_MB``), then the type read from the content with
``filetype`` — a PDF, PNG or JPEG — whatever the name says; the name is reduced to a safe
display name used only in the download's Content-Disposition. The stored file gets a
random name (``models.stored_file_name``) under MEDIA_ROOT, which the web server never
serves: downloads go through views that check permission.
"""

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
ENDINGS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
MAX_NAME = 120
FORBIDDEN_CHARACTERS = set('<>:"/\\|?*')


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int


def safe_name(name: str, content_type: str) -> str:
    """The last part of ``name`` without control characters or characters file systems
    forbid, at most 120 characters, ending as its real type does. Chinese stays."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for ch in name:
        if unicodedata.category(ch)[0] in {"C"} or unicodedata.category(ch) in {"Zl", "Zp"}:
            continue
        kept.append("_" if ch in FORBIDDEN_CHARACTERS else ch)
    stem = PurePosixPath(" ".join("".join(kept).split())).stem.strip(". ")
    ending = ENDINGS[content_type]
    stem = stem[: MAX_NAME - len(ending)].rstrip(". ") or "file"
    return stem + ending


def check_upload(upload) -> CheckedFile:
    """Raise ValidationError with a message a person understands unless ``upload`` is a
    non-empty PDF, PNG or JPEG within the size limit."""
    limit_mb = settings.AMITY_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is %(size)s MB; the largest file Amity accepts is %(limit)s MB.")
            % {"size": f"{upload.size / 2**20:.1f}", "limit": limit_mb},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ENDINGS:
        raise ValidationError(
            _("The file's content is not a PDF, PNG or JPEG image (whatever its name says)."),
            code="type_not_allowed",
        )
    return CheckedFile(
        name=safe_name(getattr(upload, "name", ""), kind.mime),
        content_type=kind.mime,
        size=upload.size,
    )
