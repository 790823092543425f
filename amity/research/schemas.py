"""Shapes of joint research in the JSON API (``studies/…``). Counts and documents about
studies only: no schema has a field for anything about a patient."""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema

from amity.core.bilingual import in_reader_language
from amity.core.schemas import FilterSchema, InputSchema
from amity.directory.schemas import InstitutionRef
from amity.research.identifiers import doi_url, registry_url
from amity.research.models import Registry, StudyStatus
from amity.research.services import MAX_MONTHLY_ENROLMENT

Count = Annotated[int, Field(ge=0, le=MAX_MONTHLY_ENROLMENT)]


def _absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


class PersonRef(Schema):
    id: int
    name: str = Field(description="In Latin script, in the person's own order")
    local_name: str = Field(description="In Chinese (family name first), if known")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.full_name


class RegistryIdOut(Schema):
    registry: str = Field(description="clinicaltrials_gov, chictr, isrctn or other")
    identifier: str = Field(description="Normalised: NCT04280705, ChiCTR2000029308, …")
    url: str = Field(description="The study's page on the registry (empty for other)")

    @staticmethod
    def resolve_url(obj) -> str:
        return registry_url(obj.registry, obj.identifier)


class StudyOut(Schema):
    """A study as the caller may see it. ``enrolled`` and ``target`` are the whole
    study's for hospital staff, and the caller's own site's for a partner contact."""

    id: int
    acronym: str
    title: str = Field(description="In English")
    title_local: str = Field(description="In Chinese")
    display_title: str = Field(description="In the caller's language")
    design: str
    status: str = Field(description=", ".join(StudyStatus.values))
    lead_institution: InstitutionRef
    principal_investigator: PersonRef
    registry_ids: list[RegistryIdOut]
    start_on: date | None
    end_on: date | None
    sites: int = Field(description="Sites the caller may see")
    enrolled: int
    target: int | None
    url: str


class MemberOut(Schema):
    person: PersonRef
    role: str = Field(description="pi, coordinator, statistician or member")


class StudyDetailOut(StudyOut):
    summary: str
    summary_local: str
    topics: list[str]
    team: list[MemberOut]
    projected_completion: date | None = Field(
        description="When the target is reached at the pace of the last 6 months "
        "(None without a target or a pace); hospital staff only"
    )


class ApprovalOut(Schema):
    id: int
    committee: str
    reference: str
    approved_on: date
    expires_on: date | None
    state: str = Field(description="valid, expiring (within 60 days) or expired")

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.current_state


class SiteOut(Schema):
    id: int
    study: int
    institution: InstitutionRef
    institution_local: str = Field(description="The institution's name in Chinese, if any")
    site_pi: PersonRef | None
    coordinator: PersonRef | None
    status: str = Field(description="invited, approvals_pending, active or closed")
    target: int | None
    joined_on: date | None
    enrolled: int
    approval: ApprovalOut | None = Field(description="The approval in force (the latest)")


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    count: int
    cumulative: int


class SiteEnrolmentOut(Schema):
    site: int
    institution: str = Field(description="In the caller's language")
    target: int | None
    enrolled: int
    recent_rate: float = Field(description="Mean per month over the last 6 months")
    projected_completion: date | None
    months: list[MonthOut] = Field(description="Every month from the first count, gaps as 0")


class StudyEnrolmentOut(Schema):
    """Hospital staff get every site and the study's total; a partner contact their own
    site, and no total (``enrolled``, ``target``, ``projected_completion`` are None)."""

    study: int
    sites: list[SiteEnrolmentOut]
    enrolled: int | None
    target: int | None
    projected_completion: date | None


class EnrolmentIn(InputSchema):
    count: Count = Field(..., description="Participants enrolled in the month (a count)")


class EnrolmentOut(Schema):
    site: int
    month: str = Field(description="YYYY-MM")
    count: int
    site_enrolled: int = Field(description="The site's total to date")


class PublicationOut(Schema):
    id: int
    title: str
    authors: str = Field(description='"Surname GN; Surname GN"')
    journal: str
    year: int
    volume: str
    issue: str
    pages: str
    doi: str = Field(description="Lower case, without https://doi.org/")
    doi_url: str
    url: str

    @staticmethod
    def resolve_doi_url(obj) -> str:
        return doi_url(obj.doi)


class PublicationIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=500)
    authors: str = Field(..., min_length=1, description='"Surname GN; Surname GN"')
    journal: str = Field("", max_length=250)
    year: int = Field(..., ge=1900, le=2200)
    volume: str = Field("", max_length=20)
    issue: str = Field("", max_length=20)
    pages: str = Field("", max_length=30)
    doi: str = Field("", max_length=200, description="10.xxxx/…; a doi.org address is accepted")
    url: str = Field("", max_length=500)


class RegistryIdIn(InputSchema):
    registry: Literal[tuple(Registry.values)]  # type: ignore[valid-type]
    identifier: str = Field(..., max_length=100, description="e.g. NCT04280705")


class StudyQuery(FilterSchema):
    status: Literal[tuple(StudyStatus.values)] | None = None  # type: ignore[valid-type]


def institution_name(institution) -> str:
    return in_reader_language(institution.name, institution.name_local)
