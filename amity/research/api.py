"""Joint research in the JSON API: studies, their sites, each site's ethics approvals and
monthly enrolment, publications, and the tables and citation files to download.

The same selectors, permission helpers and services as the pages, so an API client sees
and changes exactly what its user could: a partner contact reaches only the studies their
institution has a site in and, within them, only their own site — another site, its
approvals or enrolment is "not found" (404), never "forbidden", so a guessed id tells
nothing; and the study's totals are their own site's. Input a service refuses (a
registry identifier or DOI in the wrong format, a month ahead) is a 422 whose ``detail``
says why and whose ``errors`` name the fields; nothing is written then."""

import re
from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from amity.core.schemas import Pages, ProblemOut, errors_detail
from amity.research import enrolment, exports, permissions, selectors, services
from amity.research.models import EthicsApproval, RegistryId, Site, Study, StudyMember
from amity.research.schemas import (
    ApprovalOut,
    EnrolmentIn,
    EnrolmentOut,
    PublicationIn,
    PublicationOut,
    RegistryIdIn,
    RegistryIdOut,
    SiteEnrolmentOut,
    SiteOut,
    StudyDetailOut,
    StudyEnrolmentOut,
    StudyOut,
    StudyQuery,
    institution_name,
)

router = Router(tags=["research"])

READ = {404: ProblemOut}
WRITE = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")

BINARY = {"type": "string", "format": "binary"}


def _file_responses(*types: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": "The file, as an attachment (Content-Disposition with filename*).",
                "content": {t: {"schema": BINARY} for t in types},
            }
        }
    }


# --- refusals --------------------------------------------------------------------------------


def _invalid(errors: dict[str, list[str]]) -> Status:
    """A 422 shaped as the API's own for input that does not fit the schema."""
    return Status(422, {"detail": errors_detail(errors), "code": "invalid", "errors": errors})


def _refused(error: ValidationError) -> Status:
    if hasattr(error, "error_dict"):
        return _invalid(error.message_dict)
    return _invalid({"__all__": error.messages})


def _forbidden(error: PermissionDenied) -> Status:
    return Status(403, {"detail": str(error) or _("You do not have permission to do this.")})


def _month(value: str) -> date:
    """``YYYY-MM`` as the month's first day; ValidationError otherwise."""
    match = MONTH.match(value or "")
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1900:
        return date(int(match[1]), int(match[2]), 1)
    raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2026-03.")]})


# --- lookups: every protected object through the selectors --------------------------------


def _site(user, study: Study, site_id: int) -> Site:
    """The study's site ``site_id`` when the user may see it (404 otherwise)."""
    return get_object_or_404(selectors.sites_for(user, study), pk=site_id)


def _study_fields(
    request, study: Study, *, registry_ids: list, sites: int, enrolled: int, target: int | None
) -> dict:
    return {
        "id": study.pk,
        "acronym": study.acronym,
        "title": study.title,
        "title_local": study.title_local,
        "display_title": study.display_title,
        "design": study.design,
        "status": study.status,
        "lead_institution": study.lead_institution,
        "principal_investigator": study.principal_investigator,
        "registry_ids": registry_ids,
        "start_on": study.start_on,
        "end_on": study.end_on,
        "sites": sites,
        "enrolled": enrolled,
        "target": target,
        "url": request.build_absolute_uri(study.get_absolute_url()),
    }


# --- studies -------------------------------------------------------------------------------


@router.get("/studies", response=list[StudyOut], summary="Studies")
@paginate(Pages, page_size=50)
def list_studies(request, filters: Query[StudyQuery]):
    """The studies the caller may see, by title, with the sites they may see and
    enrolment against target (a partner contact: their own site's)."""
    rows = selectors.overview(request.user)
    if filters.status is not None:
        rows = [row for row in rows if row.study.status == filters.status]
    registry: dict[int, list[RegistryId]] = defaultdict(list)
    for entry in RegistryId.objects.filter(study_id__in=[row.study.pk for row in rows]):
        registry[entry.study_id].append(entry)
    return [
        _study_fields(
            request,
            row.study,
            registry_ids=registry[row.study.pk],
            sites=row.sites,
            enrolled=row.enrolled,
            target=row.target,
        )
        for row in rows
    ]


@router.get("/studies/{int:study_id}", response={200: StudyDetailOut, **READ}, summary="A study")
def get_study(request, study_id: int):
    """A study with its team and summary. A partner contact gets it only when their
    institution has a site in it."""
    user = request.user
    study = get_object_or_404(
        selectors.studies_for(user).prefetch_related(
            "registry_ids",
            "topics",
            Prefetch(
                "members",
                queryset=StudyMember.objects.select_related("person").order_by("role", "pk"),
            ),
        ),
        pk=study_id,
    )
    counts = _counts(user, study)
    fields = _study_fields(
        request, study, registry_ids=list(study.registry_ids.all()), **counts["summary"]
    )
    fields.update(
        summary=study.summary,
        summary_local=study.summary_local,
        topics=[tag.name for tag in study.topics.all()],
        team=list(study.members.all()),
        projected_completion=counts["projected"],
    )
    return fields


def _counts(user, study: Study) -> dict:
    whole = permissions.can_see_study_totals(user)
    sites = permissions.visible_sites(user, study)
    figures = sites.aggregate(n=Count("pk"), target=Sum("target"))
    monthly: dict[date, int] = {}
    for month, count in (
        selectors.enrolment_for(user, study).values_list("month", "count").order_by()
    ):
        monthly[month] = monthly.get(month, 0) + count
    enrolled = sum(monthly.values())
    target = (study.target_enrolment or figures["target"]) if whole else figures["target"]
    projected = enrolment.projected_completion(monthly, target) if whole else None
    return {
        "summary": {"sites": figures["n"], "enrolled": enrolled, "target": target},
        "projected": projected,
    }


# --- registry identifiers ------------------------------------------------------------------


@router.post(
    "/studies/{int:study_id}/registry-ids",
    response={201: RegistryIdOut, **WRITE},
    summary="Add a registry identifier",
)
def add_registry_id(request, study_id: int, payload: RegistryIdIn):
    """Add the study's identifier in a trial registry (office staff and the study's
    team). The format is checked (NCT + 8 digits, ChiCTR…, ISRCTN + 8 digits) and the
    identifier stored in its normal spelling; a wrong format is a 422."""
    study = selectors.study_for(request.user, study_id)
    try:
        created = services.registry_id_add(
            by=request.user, study=study, registry=payload.registry, identifier=payload.identifier
        )
    except PermissionDenied as error:
        return _forbidden(error)
    except ValidationError as error:
        return _refused(error)
    return Status(201, created)


# --- sites, approvals ----------------------------------------------------------------------


def _site_rows(user, study: Study, sites) -> list[dict]:
    sites = list(sites)
    enrolled = dict(
        selectors.enrolment_for(user, study)
        .values_list("site_id")
        .annotate(total=Sum("count"))
        .order_by()
    )
    current = {
        a.site_id: a
        for a in EthicsApproval.objects.current().filter(
            site__in=[s.pk for s in sites],
            pk__in=permissions.approvals_visible_to(user).values("pk"),
        )
    }
    return [
        {
            "id": site.pk,
            "study": site.study_id,
            "institution": site.institution,
            "institution_local": site.institution.name_local,
            "site_pi": site.site_pi,
            "coordinator": site.coordinator,
            "status": site.status,
            "target": site.target,
            "joined_on": site.joined_on,
            "enrolled": enrolled.get(site.pk, 0),
            "approval": current.get(site.pk),
        }
        for site in sites
    ]


@router.get(
    "/studies/{int:study_id}/sites",
    response={200: list[SiteOut], **READ},
    summary="A study's sites",
)
def list_sites(request, study_id: int):
    """The study's sites the caller may see, with enrolment and the approval in force:
    every site for hospital staff, their own for a partner contact."""
    study = selectors.study_for(request.user, study_id)
    return _site_rows(request.user, study, selectors.sites_for(request.user, study))


@router.get(
    "/studies/{int:study_id}/sites/{int:site_id}", response={200: SiteOut, **READ}, summary="A site"
)
def get_site(request, study_id: int, site_id: int):
    study = selectors.study_for(request.user, study_id)
    site = _site(request.user, study, site_id)
    return _site_rows(request.user, study, [site])[0]


@router.get(
    "/studies/{int:study_id}/sites/{int:site_id}/approvals",
    response={200: list[ApprovalOut], **READ},
    summary="A site's ethics approvals",
)
def list_approvals(request, study_id: int, site_id: int):
    """The site's approvals, latest (the one in force) first."""
    study = selectors.study_for(request.user, study_id)
    site = _site(request.user, study, site_id)
    return list(selectors.approvals_for(request.user, site))


# --- enrolment -----------------------------------------------------------------------------


def _site_enrolment(site: Site, counts: dict[date, int]) -> dict:
    months = enrolment.cumulative(counts, end=max(counts) if counts else None)
    return {
        "site": site.pk,
        "institution": institution_name(site.institution),
        "target": site.target,
        "enrolled": sum(counts.values()),
        "recent_rate": round(enrolment.recent_rate(counts), 2),
        "projected_completion": enrolment.projected_completion(counts, site.target),
        "months": [
            {"month": month.strftime("%Y-%m"), "count": counts.get(month, 0), "cumulative": total}
            for month, total in months
        ],
    }


@router.get(
    "/studies/{int:study_id}/enrolment",
    response={200: StudyEnrolmentOut, **READ},
    summary="Enrolment per site and month",
)
def get_study_enrolment(request, study_id: int):
    """Counts per month of every site the caller may see, running totals, the pace of
    the last 6 months and the completion it projects. The study's total and its
    projection for hospital staff only."""
    user = request.user
    study = selectors.study_for(user, study_id)
    sites = list(selectors.sites_for(user, study))
    by_site: dict[int, dict[date, int]] = {site.pk: {} for site in sites}
    for site_id, month, count in (
        selectors.enrolment_for(user, study).values_list("site_id", "month", "count").order_by()
    ):
        by_site.setdefault(site_id, {})[month] = count
    out = {
        "study": study.pk,
        "sites": [_site_enrolment(site, by_site[site.pk]) for site in sites],
        "enrolled": None,
        "target": None,
        "projected_completion": None,
    }
    if permissions.can_see_study_totals(user):
        whole: dict[date, int] = {}
        for counts in by_site.values():
            for month, count in counts.items():
                whole[month] = whole.get(month, 0) + count
        target = study.target_enrolment or sum(site.target or 0 for site in sites) or None
        out.update(
            enrolled=sum(whole.values()),
            target=target,
            projected_completion=enrolment.projected_completion(whole, target),
        )
    return out


@router.get(
    "/studies/{int:study_id}/sites/{int:site_id}/enrolment",
    response={200: SiteEnrolmentOut, **READ},
    summary="A site's enrolment",
)
def get_site_enrolment(request, study_id: int, site_id: int):
    study = selectors.study_for(request.user, study_id)
    site = _site(request.user, study, site_id)
    counts = selectors.site_enrolment(request.user, site)
    return _site_enrolment(site, counts)


@router.put(
    "/studies/{int:study_id}/sites/{int:site_id}/enrolment/{month}",
    response={200: EnrolmentOut, **WRITE},
    summary="Enter a site's enrolment for a month",
)
def put_site_enrolment(
    request,
    study_id: int,
    site_id: int,
    payload: EnrolmentIn,
    month: str = Path(..., description="YYYY-MM", max_length=7),
):
    """Enter or correct how many participants the site enrolled in ``month`` (office
    staff and the study's team for any site; a partner contact for their own site only).
    A month that has not begun is a 422. Entering the same month again replaces it."""
    user = request.user
    study = selectors.study_for(user, study_id)
    site = _site(user, study, site_id)
    try:
        entry = services.enrolment_enter(
            by=user, site=site, month=_month(month), count=payload.count
        )
    except PermissionDenied as error:
        return _forbidden(error)
    except ValidationError as error:
        return _refused(error)
    total = selectors.site_enrolment(user, site)
    return {
        "site": site.pk,
        "month": entry.month.strftime("%Y-%m"),
        "count": entry.count,
        "site_enrolled": sum(total.values()),
    }


# --- publications --------------------------------------------------------------------------


@router.get(
    "/studies/{int:study_id}/publications",
    response={200: list[PublicationOut], **READ},
    summary="A study's publications",
)
def list_publications(request, study_id: int):
    study = selectors.study_for(request.user, study_id)
    return list(study.publications.order_by("-year", "title", "pk"))


@router.post(
    "/studies/{int:study_id}/publications",
    response={201: PublicationOut, **WRITE},
    summary="Add a publication",
)
def add_publication(request, study_id: int, payload: PublicationIn):
    """Add a paper of the study (office staff and the study's team). The DOI is checked
    by format and stored in lower case without ``https://doi.org/``; a wrong one is a
    422, and so is a DOI the study already lists."""
    study = selectors.study_for(request.user, study_id)
    try:
        created = services.publication_add(by=request.user, study=study, **payload.dict())
    except PermissionDenied as error:
        return _forbidden(error)
    except ValidationError as error:
        return _refused(error)
    return Status(201, created)


@router.get(
    "/studies/{int:study_id}/publications/export",
    response={404: ProblemOut},
    openapi_extra=_file_responses(*(f.content_type for f in exports.CITATION_FORMATS.values())),
    summary="A study's publications as BibTeX, RIS or CSL-JSON",
)
def export_publications(request, study_id: int, format: str = "bibtex"):  # noqa: A002
    """``format``: ``bibtex``, ``ris`` or ``csl-json``."""
    study = selectors.study_for(request.user, study_id)
    return exports.publications_response(study, format)


# --- tables --------------------------------------------------------------------------------


@router.get(
    "/studies/export/{table}",
    response={404: ProblemOut},
    openapi_extra=_file_responses(exports.CSV_TYPE.split(";")[0], exports.XLSX_TYPE),
    summary="Studies, sites or enrolment as CSV or XLSX",
)
def export_table(request, table: str, format: str = "csv", study: int | None = None):  # noqa: A002
    """``table``: ``studies``, ``sites`` or ``enrolment``; ``format``: ``csv`` or
    ``xlsx``; ``study``: one study's rows only. Rows are what the caller may see."""
    one = selectors.study_for(request.user, study) if study is not None else None
    return exports.table_response(table, format, user=request.user, study=one)
