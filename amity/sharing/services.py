"""Writes for shared documents. Pages, the API, the demo and scripts call these; each runs
in one transaction and validates before it writes.

What stays true:
- every document has at least one version, and ``current_version`` is its highest;
- a new version never replaces or removes an older one or its file;
- a file is kept only after its size and real type were checked (``uploads``), under a
  random name under sharing/ in the storage every server shares (``core.storage``), and
  deleted again when the change that wrote it fails;
- partners are named only when the scope is "chosen partners" (and then at least one);
- the search index of a document is rebuilt whenever its description, topics or current
  version change.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.core import storage, uploads
from amity.core.services import save_validated
from amity.directory.models import Institution
from amity.sharing import extraction
from amity.sharing.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    DownloadLog,
    DownloadVia,
    Scope,
    Tag,
)
from amity.sharing.search import index_document


def _check_sharing(scope: str, partners: list[Institution]) -> list[Institution]:
    if scope != Scope.CHOSEN:
        return []
    if not partners:
        raise ValidationError(
            {"partners": _("Choose at least one partner institution, or share with all partners.")}
        )
    home = [p.name for p in partners if p.is_home]
    if home:
        raise ValidationError(
            {"partners": _("%s is the home hospital, not a partner.") % ", ".join(home)}
        )
    return partners


def _check_content(*, kind: str, upload: File | None, link: str) -> uploads.CheckedUpload | None:
    """The checked upload (or None for a link); raises a per-field ValidationError."""
    if upload is not None and link:
        raise ValidationError({"link": _("Upload a file or give a link, not both.")})
    if upload is None and not link:
        raise ValidationError({"file": _("Upload a file (or, for a recording, give its link).")})
    if link:
        if kind != DocumentKind.RECORDING:
            raise ValidationError(
                {"link": _("Only recordings are shared as a link; upload the file instead.")}
            )
        return None
    try:
        return uploads.check_upload(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error


def _store_version(
    *,
    document: Document,
    number: int,
    upload: File | None,
    checked: uploads.CheckedUpload | None,
    link: str,
    note: str,
    uploaded_by: User | None,
    uploaded_at: datetime,
) -> DocumentVersion:
    version = DocumentVersion(document=document, number=number, uploaded_by=uploaded_by)
    fields: dict[str, Any] = {"note": note.strip(), "link": link, "uploaded_at": uploaded_at}
    if checked is not None:
        fields.update(
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            text=extraction.extract_text(upload, checked.content_type),
        )
        # Deleted again if the transaction fails (``storage.atomic`` around the service).
        storage.save_field(version.file, "upload", upload)
    save_validated(version, fields)
    return version


def _touch(
    document: Document, version: DocumentVersion | None = None, at: datetime | None = None
) -> None:
    changes: dict[str, Any] = {"updated_at": at or timezone.now()}
    if version is not None:
        changes["current_version"] = version
    for name, value in changes.items():
        setattr(document, name, value)
    Document.objects.filter(pk=document.pk).update(**changes)


@storage.atomic()
def document_create(
    *,
    fields: Mapping[str, Any],
    owner: User | None,
    tags: Iterable[Tag] = (),
    new_tags: str = "",
    partners: Iterable[Institution] = (),
    upload: File | None = None,
    link: str = "",
    uploaded_at: datetime | None = None,
) -> Document:
    """A document with its first version: an uploaded file, or for a recording a link.

    ``fields`` are the model's own (titles, summaries, kind, department, scope). The file
    is checked (size, type by content, name) before anything is written. ``new_tags``
    are topics typed as text (see ``tags_from_text``). ``uploaded_at`` is for importing
    documents made earlier (default: now)."""
    fields = dict(fields)
    partners = _check_sharing(fields.get("scope", Scope.INTERNAL), list(partners))
    checked = _check_content(kind=fields.get("kind", ""), upload=upload, link=link)
    now = uploaded_at or timezone.now()
    document = save_validated(
        Document(owner=owner), {**fields, "created_at": now, "updated_at": now}
    )
    document.partners.set(partners)
    document.tags.set([*tags, *tags_from_text(new_tags)])
    version = _store_version(
        document=document,
        number=1,
        upload=upload,
        checked=checked,
        link=link,
        note="",
        uploaded_by=owner,
        uploaded_at=now,
    )
    _touch(document, version, now)
    index_document(document)
    return document


@transaction.atomic
def document_update(
    *,
    document: Document,
    fields: Mapping[str, Any],
    tags: Iterable[Tag] | None = None,
    new_tags: str = "",
    partners: Iterable[Institution] | None = None,
) -> Document:
    """Change the description, topics or sharing of a document (``tags`` replaces the
    topics; ``new_tags``, typed as text, are added). Narrowing the scope takes effect at
    once: a partner no longer named cannot open it any more."""
    fields = dict(fields)
    scope = fields.get("scope", document.scope)
    if partners is None:
        partners = list(document.partners.all()) if scope == Scope.CHOSEN else []
    partners = _check_sharing(scope, list(partners))
    save_validated(document, fields)
    document.partners.set(partners)
    if tags is not None:
        document.tags.set(tags)
    if new_tags.strip():
        document.tags.add(*tags_from_text(new_tags))
    _touch(document)
    index_document(document)
    return document


@storage.atomic()
def version_add(
    *,
    document: Document,
    uploaded_by: User | None,
    note: str,
    upload: File | None = None,
    link: str = "",
    uploaded_at: datetime | None = None,
) -> DocumentVersion:
    """A new version on top of the others; it becomes the current one and its text is
    what search reads from now on. Older versions and their files stay as they were."""
    if not note.strip():
        raise ValidationError({"note": _("Say what changed in this version.")})
    checked = _check_content(kind=document.kind, upload=upload, link=link)
    # Lock the document, then count: two uploads at once get different numbers.
    Document.objects.select_for_update().filter(pk=document.pk).first()
    latest = document.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = _store_version(
        document=document,
        number=latest + 1,
        upload=upload,
        checked=checked,
        link=link,
        note=note,
        uploaded_by=uploaded_by,
        uploaded_at=uploaded_at or timezone.now(),
    )
    _touch(document, version, version.uploaded_at)
    index_document(document)
    return version


@transaction.atomic
def download_record(
    *,
    version: DocumentVersion,
    user: User | AnonymousUser,
    ip: str | None,
    via: str = DownloadVia.WEB,
) -> DownloadLog:
    """Log one download (or one opened recording link) with the user's institution as it
    is now, so the log still says who it was for when the person later moves on."""
    person = user.person if user.is_authenticated else None
    return DownloadLog.objects.create(
        document_id=version.document_id,
        version=version,
        user=user if user.is_authenticated else None,
        institution_id=person.institution_id if person else None,
        ip=ip or None,
        via=via,
    )


_TAG_SEPARATORS = re.compile(r"[,;，；、\n]+")


@transaction.atomic
def tags_from_text(text: str) -> list[Tag]:
    """Topics typed as text, e.g. "Neonatology / 新生儿, Sepsis": each entry an English
    name and optionally " / " and the Chinese name. Existing topics are found by either
    name (case-insensitive); the rest are created."""
    found: list[Tag] = []
    for entry in _TAG_SEPARATORS.split(text or ""):
        if not entry.strip():
            continue
        name, _sep, local = (part.strip() for part in entry.partition("/"))
        name = name or local
        tag = (
            Tag.objects.filter(name__iexact=name).first()
            or (Tag.objects.filter(name_local=local).first() if local else None)
            or Tag.objects.filter(name_local=name).first()
        )
        if tag is None:
            tag = tag_create(name=name[:80], name_local=local[:80])
        if tag not in found:
            found.append(tag)
    return found


@transaction.atomic
def tag_create(*, name: str, name_local: str = "") -> Tag:
    base = slugify(name, allow_unicode=True)[:70] or "topic"
    slug, n = base, 1
    while Tag.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return save_validated(Tag(), {"name": name, "name_local": name_local, "slug": slug})
