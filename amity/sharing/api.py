"""Shared documents in the JSON API: search and read the metadata, download a version.
The same selectors, permission helpers and download logging as the pages: a partner
contact's token reaches exactly the documents shared with their institution."""

from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from amity.core.ratelimit import client_address
from amity.core.schemas import ErrorOut, FilterSchema, Pages
from amity.sharing import downloads, permissions, selectors, services
from amity.sharing.models import DownloadVia

router = Router(tags=["documents"])

BINARY = {"type": "string", "format": "binary"}
FILE_RESPONSES = {
    "responses": {
        "200": {
            "description": "The file, as an attachment (Content-Disposition with filename*).",
            "content": {"application/octet-stream": {"schema": BINARY}},
        },
        "302": {"description": "A recording shared as a link: its address in Location."},
    }
}


class TagOut(Schema):
    slug: str
    name: str
    name_local: str


class VersionOut(Schema):
    number: int
    is_link: bool = Field(description="A recording's link rather than a file")
    original_name: str
    content_type: str
    size: int
    sha256: str
    note: str = Field(description="What changed (from version 2 on)")
    uploaded_at: datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_download_url())


class DocumentOut(Schema):
    id: int
    title: str
    title_local: str
    summary: str
    summary_local: str
    kind: str
    scope: str = Field(description="internal, all_partners or chosen")
    department: str | None = Field(description="Department slug")
    tags: list[TagOut]
    current_version: int | None
    created_at: datetime
    updated_at: datetime
    url: str
    download_url: str
    score: int | None = Field(None, description="Search rank when searching (higher first)")

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department.slug if obj.department_id else None

    @staticmethod
    def resolve_tags(obj) -> list:
        return list(obj.tags.all())

    @staticmethod
    def resolve_current_version(obj) -> int | None:
        return obj.current_version.number if obj.current_version_id else None

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())

    @staticmethod
    def resolve_download_url(obj, context) -> str:
        return context["request"].build_absolute_uri(f"/api/v1/documents/{obj.pk}/download")

    @staticmethod
    def resolve_score(obj) -> int | None:
        return getattr(obj, "score", None)


class DocumentDetailOut(DocumentOut):
    shared_with: list[str] = Field(
        description="The chosen partner institutions (empty for partner contacts)"
    )
    versions: list[VersionOut]

    @staticmethod
    def resolve_shared_with(obj, context) -> list[str]:
        if not permissions.can_see_sharing_scope(context["request"].user):
            return []
        return [partner.name for partner in obj.partners.order_by("name")]

    @staticmethod
    def resolve_versions(obj) -> list:
        return selectors.document_versions(obj)


class DocumentQuery(FilterSchema):
    q: str = Field("", description="Words in English or Chinese; every word must match")
    tag: str = Field("", description="Topic slug")
    kind: str = ""
    language: str = Field("", description="en or zh: described in that language")


@router.get("/documents", response=list[DocumentOut])
@paginate(Pages, page_size=20)
def list_documents(request, filters: Query[DocumentQuery]):
    return selectors.document_list(
        user=request.user, filters=selectors.DocumentFilters(**filters.dict())
    )


@router.get("/documents/{document_id}", response={200: DocumentDetailOut, 404: ErrorOut})
def get_document(request, document_id: int):
    document = permissions.get_document_for_user(request.user, document_id)
    return document


def _download(request, document_id: int, number: int | None):
    version = permissions.get_version_for_user(request.user, document_id, number)
    response = downloads.response_for(version)
    services.download_record(
        version=version, user=request.user, ip=client_address(request), via=DownloadVia.API
    )
    return response


@router.get(
    "/documents/{document_id}/download",
    response={404: ErrorOut},
    openapi_extra=FILE_RESPONSES,
    summary="Download the current version",
)
def download_document(request, document_id: int):
    return _download(request, document_id, None)


@router.get(
    "/documents/{document_id}/versions/{number}/download",
    response={404: ErrorOut},
    openapi_extra=FILE_RESPONSES,
    summary="Download one version",
)
def download_version(request, document_id: int, number: int):
    return _download(request, document_id, number)
