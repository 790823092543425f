"""Partners' timelines, agreements and letters in the JSON API (read only). The same
selectors and permission helpers as the pages: a partner contact's token reads exactly
what their pages show — their own institution's agreements and the letters addressed to
them — and gets 404 for anything else."""

import datetime as dt
from typing import Literal

from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from amity.core.schemas import ErrorOut, FilterSchema, Id, Pages
from amity.directory.permissions import get_institution_for_user
from amity.directory.schemas import InstitutionRef
from amity.relations import permissions, selectors

router = Router(tags=["relations"])


def _absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


class TimelineEntryOut(Schema):
    kind: str = Field(description="agreement, activity, letter or document")
    date: dt.date
    what: str = Field(description="What happened, in the caller's language")
    title: str
    url: str | None
    state: str
    detail: str
    upcoming: bool

    @staticmethod
    def resolve_date(obj) -> dt.date:
        return obj.day

    @staticmethod
    def resolve_url(obj, context) -> str | None:
        return _absolute(context, obj.url) if obj.url else None


class TimelineQuery(FilterSchema):
    kind: Literal["agreement", "activity", "letter", "document"] | None = None


@router.get(
    "/partners/{institution_id}/timeline",
    response={200: list[TimelineEntryOut], 404: ErrorOut},
    tags=["relations"],
)
@paginate(Pages, page_size=50)
def partner_timeline(request, institution_id: int, filters: Query[TimelineQuery]):
    """Everything dated with one partner, newest first: agreements signed and expiring,
    activities together, letters sent and received, documents shared."""
    institution = get_institution_for_user(request.user, institution_id)
    if institution.is_home:
        return []
    return selectors.partner_timeline(
        user=request.user,
        institution=institution,
        kinds=[filters.kind] if filters.kind else None,
    )


class AgreementOut(Schema):
    id: int
    title: str
    kind: str
    status: str = Field(description="draft, active, expired or terminated (as of today)")
    partners: list[InstitutionRef]
    scope: str
    signed_on: dt.date | None
    expires_on: dt.date | None
    file_name: str
    file_url: str | None
    url: str

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.current_state

    @staticmethod
    def resolve_partners(obj) -> list:
        return list(obj.partners.all())

    @staticmethod
    def resolve_file_url(obj, context) -> str | None:
        if not obj.file:
            return None
        return _absolute(context, reverse("relations:agreement_file", args=[obj.pk]))

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class AgreementQuery(FilterSchema):
    q: str = ""
    institution: Id | None = None
    status: Literal["draft", "active", "expired", "terminated"] | None = None
    expiring_before: dt.date | None = None


@router.get("/agreements", response=list[AgreementOut], tags=["relations"])
@paginate(Pages, page_size=50)
def list_agreements(request, filters: Query[AgreementQuery]):
    return selectors.agreement_list(
        user=request.user,
        filters=selectors.AgreementFilters(
            q=filters.q,
            institution=filters.institution,
            state=filters.status or "",
            expiring_before=filters.expiring_before,
        ),
    )


@router.get(
    "/agreements/{agreement_id}", response={200: AgreementOut, 404: ErrorOut}, tags=["relations"]
)
def get_agreement(request, agreement_id: int):
    return permissions.get_agreement_for_user(request.user, agreement_id)


class CampaignRef(Schema):
    id: int
    name: str


class RecipientRef(Schema):
    id: int
    full_name: str
    local_name: str


class LetterOut(Schema):
    id: int
    campaign: CampaignRef
    recipient: RecipientRef
    institution: InstitutionRef
    language: str = Field(description="en, zh or both (Chinese, then English)")
    subject: str
    subject_en: str
    body_en: str
    subject_zh: str
    body_zh: str
    sent_at: dt.datetime
    delivery: str = Field(description="queued, sending, sent, retrying, failed, or pdf")
    url: str
    pdf_url: str

    @staticmethod
    def resolve_recipient(obj):
        return obj.person

    @staticmethod
    def resolve_sent_at(obj) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_delivery(obj) -> str:
        return obj.state

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_pdf_url(obj, context) -> str:
        return _absolute(context, reverse("relations:letter_pdf", args=[obj.pk]))


class LetterQuery(FilterSchema):
    institution: Id | None = None
    campaign: Id | None = None


@router.get("/letters", response=list[LetterOut], tags=["relations"])
@paginate(Pages, page_size=50)
def list_letters(request, filters: Query[LetterQuery]):
    return selectors.letter_list(
        user=request.user, institution=filters.institution, campaign=filters.campaign
    )


@router.get("/letters/{letter_id}", response={200: LetterOut, 404: ErrorOut}, tags=["relations"])
def get_letter(request, letter_id: int):
    return permissions.get_letter_for_user(request.user, letter_id)
