"""Research tables as CSV (UTF-8 with BOM, so that Excel shows Chinese names) and XLSX,
and a study's publications as BibTeX, RIS and CSL-JSON files.

Tables — one header row, then one row per thing a reader counts:

========== ==================================================================
studies    a study: identifiers, status, lead, PI, sites, enrolled, target
sites      a site: institution, people, status, target, enrolled, approval
enrolment  a site and month: the count and the site's running total
========== ==================================================================

Rows come only from what the user may see (``selectors`` and ``permissions``): a partner
contact's tables hold their own institution's sites, and the study's totals in the
studies table are their own site's. Cells a spreadsheet would run as a formula (starting
with ``= + - @``, a tab or a carriage return) are neutralised with a leading apostrophe;
numbers stay numbers. XLSX is written with openpyxl (as the other exports of Amity).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.core.bilingual import in_reader_language
from amity.core.downloads import content_disposition, protect
from amity.core.spreadsheets import csv_bytes, xlsx_bytes
from amity.research import citations, permissions, selectors
from amity.research.models import ApprovalState, EthicsApproval, Study

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Table:
    slug: str
    title: object


TABLES = {
    table.slug: table
    for table in (
        Table("studies", gettext_lazy("Studies")),
        Table("sites", gettext_lazy("Sites")),
        Table("enrolment", gettext_lazy("Enrolment by month")),
    )
}


@dataclass(frozen=True)
class CitationFormat:
    slug: str
    label: str
    extension: str
    content_type: str
    write: object


CITATION_FORMATS = {
    f.slug: f
    for f in (
        CitationFormat("bibtex", "BibTeX", "bib", citations.BIBTEX_TYPE, citations.to_bibtex),
        CitationFormat("ris", "RIS", "ris", citations.RIS_TYPE, citations.to_ris),
        CitationFormat(
            "csl-json", "CSL-JSON", "json", citations.CSL_JSON_TYPE, citations.to_csl_json
        ),
    )
}


def may_export(user) -> bool:
    """Whoever may see a study may export what they see of it: home staff and partner
    contacts linked to an institution."""
    return permissions.is_home_staff(user) or permissions.partner_institution_id(user) is not None


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _studies(user, study: Study | None):
    studies = selectors.studies_for(user)
    return studies.filter(pk=study.pk) if study is not None else studies


def _person(person) -> str:
    if person is None:
        return ""
    return in_reader_language(person.full_name, person.local_name) or person.full_name


def _institution(institution) -> str:
    return in_reader_language(institution.name, institution.name_local)


# --- the tables ----------------------------------------------------------------------------


def study_rows(*, user, study: Study | None = None) -> Iterator[list]:
    yield [
        _("Acronym"),
        _("Title"),
        _("Title in Chinese"),
        _("Design"),
        _("Status"),
        _("Registry identifiers"),
        _("Lead institution"),
        _("Principal investigator"),
        _("Starts on"),
        _("Ends on"),
        _("Sites"),
        _("Enrolled"),
        _("Target"),
    ]
    rows = selectors.overview(user)
    if study is not None:
        rows = [row for row in rows if row.study.pk == study.pk]
    identifiers = defaultdict(list)
    for study_id, value in (
        _studies(user, study)
        .filter(registry_ids__isnull=False)
        .values_list("pk", "registry_ids__identifier")
        .order_by("pk", "registry_ids__identifier")
    ):
        identifiers[study_id].append(value)
    for row in rows:
        s = row.study
        yield [
            s.acronym,
            s.title,
            s.title_local,
            s.get_design_display(),
            s.get_status_display(),
            "; ".join(identifiers[s.pk]),
            _institution(s.lead_institution),
            _person(s.principal_investigator),
            _day(s.start_on),
            _day(s.end_on),
            row.sites,
            row.enrolled,
            "" if row.target is None else row.target,
        ]


def site_rows(*, user, study: Study | None = None, today: date | None = None) -> Iterator[list]:
    yield [
        _("Study"),
        _("Institution"),
        _("Institution in Chinese"),
        _("Country"),
        _("Site status"),
        _("Site PI"),
        _("Site coordinator"),
        _("Joined on"),
        _("Target"),
        _("Enrolled"),
        _("Ethics committee"),
        _("Approval reference"),
        _("Approved on"),
        _("Approval expires on"),
        _("Approval"),
    ]
    today = today or timezone.localdate()
    sites = (
        permissions.sites_visible_to(user)
        .filter(study__in=_studies(user, study))
        .select_related("study", "institution", "site_pi", "coordinator")
        .order_by("study__title", "study_id", "institution__name")
    )
    enrolled = dict(
        permissions.enrolment_visible_to(user)
        .filter(site__in=sites)
        .values_list("site_id")
        .annotate(total=Sum("count"))
        .order_by()
    )
    current = {
        approval.site_id: approval
        for approval in EthicsApproval.objects.current().filter(
            site__in=sites, pk__in=permissions.approvals_visible_to(user).values("pk")
        )
    }
    for site in sites.iterator(2000):
        approval = current.get(site.pk)
        yield [
            site.study.acronym or site.study.title,
            site.institution.name,
            site.institution.name_local,
            site.institution.country.code or "",
            site.get_status_display(),
            _person(site.site_pi),
            _person(site.coordinator),
            _day(site.joined_on),
            "" if site.target is None else site.target,
            enrolled.get(site.pk, 0),
            approval.committee if approval else "",
            approval.reference if approval else "",
            _day(approval.approved_on) if approval else "",
            _day(approval.expires_on) if approval else "",
            str(ApprovalState(approval.state(today)).label) if approval else "",
        ]


def enrolment_rows(*, user, study: Study | None = None) -> Iterator[list]:
    yield [
        _("Study"),
        _("Institution"),
        _("Month"),
        _("Enrolled in the month"),
        _("Enrolled to date"),
        _("Site target"),
    ]
    rows = (
        permissions.enrolment_visible_to(user)
        .filter(site__study__in=_studies(user, study))
        .select_related("site__study", "site__institution")
        .order_by("site__study__title", "site__study_id", "site__institution__name", "month")
    )
    running: dict[int, int] = defaultdict(int)
    for entry in rows.iterator(5000):
        running[entry.site_id] += entry.count
        site = entry.site
        yield [
            site.study.acronym or site.study.title,
            site.institution.name,
            entry.month.strftime("%Y-%m"),
            entry.count,
            running[entry.site_id],
            "" if site.target is None else site.target,
        ]


def table_rows(slug: str, *, user, study: Study | None = None) -> Iterable[list]:
    """The rows of table ``slug`` for ``user`` (all the studies they may see, or one)."""
    if slug == "studies":
        return study_rows(user=user, study=study)
    if slug == "sites":
        return site_rows(user=user, study=study)
    if slug == "enrolment":
        return enrolment_rows(user=user, study=study)
    raise KeyError(slug)


# --- writing -------------------------------------------------------------------------------


def _file(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    return protect(response)


def _stem(study: Study | None) -> str:
    if study is None:
        return "research"
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in (study.acronym or "")) or (
        f"study-{study.pk}"
    )


def table_response(
    slug: str, fmt: str, *, user, study: Study | None = None, today: date | None = None
) -> HttpResponse:
    """Table ``slug`` as a CSV or XLSX download for ``user``; Http404 for an unknown table
    or format, or a user who may export nothing. ``study`` narrows it to one study (which
    the caller reached through ``selectors.study_for``)."""
    if slug not in TABLES or fmt not in TABLE_FORMATS or not may_export(user):
        raise Http404
    today = today or timezone.localdate()
    rows = table_rows(slug, user=user, study=study)
    name = f"{_stem(study)}-{slug}-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        return _file(csv_bytes(rows), name=name, content_type=CSV_TYPE)
    return _file(xlsx_bytes(rows, title=str(TABLES[slug].title)), name=name, content_type=XLSX_TYPE)


def publications_file(publications: Iterable, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file extension) of the publications in format ``fmt``
    (``bibtex``, ``ris`` or ``csl-json``); KeyError for another."""
    spec = CITATION_FORMATS[fmt]
    return spec.write(list(publications)).encode("utf-8"), spec.content_type, spec.extension


def publications_response(study: Study, fmt: str) -> HttpResponse:
    """The study's publications as a download (the caller reached the study through
    ``selectors.study_for``: whoever sees a study sees its papers); Http404 for an
    unknown format."""
    if fmt not in CITATION_FORMATS:
        raise Http404
    content, content_type, extension = publications_file(
        study.publications.order_by("-year", "title", "pk"), fmt
    )
    return _file(
        content, name=f"{_stem(study)}-publications.{extension}", content_type=content_type
    )
