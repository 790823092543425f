"""Reads for shared documents: the searchable list, a document's versions, what is shared
with one institution, and the download log. Every read starts from
``permissions.documents_visible_to``."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from amity.accounts.models import User
from amity.directory.models import Institution
from amity.sharing import search
from amity.sharing.models import Document, DocumentVersion, DownloadLog, Tag
from amity.sharing.permissions import documents_visible_to, shared_with


@dataclass(frozen=True)
class DocumentFilters:
    q: str = ""
    tag: str = ""  # Tag.slug
    kind: str = ""
    language: str = ""  # "en" or "zh": described in that language


def _for_lists(qs: QuerySet[Document]) -> QuerySet[Document]:
    # A version's extracted text can be long; lists never show it.
    return (
        qs.select_related("department", "current_version")
        .defer("current_version__text")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def document_list(*, user: User, filters: DocumentFilters) -> QuerySet[Document]:
    """The documents the user may see that match the filters: with a search query, the
    best matches first (each with a ``score``); otherwise the most recently updated."""
    qs = documents_visible_to(user)
    if filters.tag:
        qs = qs.filter(tags__slug=filters.tag)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.language == "en":
        qs = qs.exclude(title="")
    elif filters.language == "zh":
        qs = qs.exclude(title_local="")
    if filters.q.strip():
        qs = search.search(qs, filters.q)
    return _for_lists(qs)


def shared_with_institution(*, user: User, institution: Institution) -> QuerySet[Document]:
    """Documents shared with ``institution`` (with all partners, or with it by name) that
    ``user`` may see, most recently updated first. For the home hospital: none (its own
    documents are not "shared with" it). Each row has ``department``, ``current_version``
    and ``tags`` loaded; ``document.scope`` says whether it went to all partners
    ("all_partners") or to chosen ones ("chosen")."""
    if institution.is_home:
        return Document.objects.none()
    qs = documents_visible_to(user).filter(shared_with(institution.pk))
    return _for_lists(qs).order_by("-updated_at", "-pk")


def document_versions(document: Document) -> list[DocumentVersion]:
    return list(
        document.versions.select_related("uploaded_by", "uploaded_by__directory_person")
        .annotate(download_count=Count("downloads"))
        .order_by("-number")
    )


def topics_in_use(*, user: User) -> QuerySet[Tag]:
    """Topics of the documents the user may see, for the filter."""
    visible = documents_visible_to(user).values("pk")
    return Tag.objects.filter(documents__in=visible).distinct().order_by("name")


@dataclass(frozen=True)
class DownloadFilters:
    document: int | None = None
    institution: int | None = None
    since: date | None = None
    until: date | None = None


def download_log(*, filters: DownloadFilters) -> QuerySet[DownloadLog]:
    """Every logged download, newest first (office staff only: see permissions)."""
    qs = DownloadLog.objects.select_related(
        "document", "version", "user", "user__directory_person", "institution"
    ).defer("version__text", "document__summary", "document__summary_local")
    conditions = Q()
    if filters.document:
        conditions &= Q(document_id=filters.document)
    if filters.institution:
        conditions &= Q(institution_id=filters.institution)
    if filters.since:
        conditions &= Q(at__date__gte=filters.since)
    if filters.until:
        conditions &= Q(at__date__lte=filters.until)
    return qs.filter(conditions).order_by("-at", "-pk")
