"""Pages of the reports' documents: the world map, the annual report (its texts edited on a
page, exported as DOCX and PDF) and the news drafts.

Every view checks ``permissions.can_view_reports`` first (office staff and holders of
``reports.view_reports``; partner contacts never): anonymous visitors go to the login page,
others are refused (403). Only office staff change the annual report's texts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amity.core import figures
from amity.reports import annual, maps, news, permissions

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_reader(request) -> None:
    if not permissions.can_view_reports(request.user):
        raise PermissionDenied


def _can_edit_texts(user) -> bool:
    return permissions.can_view_reports(user) and user.is_office_staff


def _period(request) -> tuple[figures.Period, str]:
    """The period the query names (this year by default) and an error to show, if any."""
    this_year = figures.Period.year(timezone.localdate().year)
    try:
        return figures.Period.from_query(request.GET, default=this_year), ""
    except ValueError as exc:
        return this_year, str(exc)


# --- map -----------------------------------------------------------------------------------


def map_context(period: figures.Period, *, measure_key: str = "") -> dict:
    """What the map partial (reports/map_partial.html) needs; the dashboard includes it."""
    world = maps.cached_map(period, measure_key=measure_key)
    return {
        "world_map": world,
        "world_map_period_query": period.query(),
    }


@require_safe
@login_required
def map_page(request):
    _require_reader(request)
    period, error = _period(request)
    context = map_context(period, measure_key=request.GET.get("measure", ""))
    context.update({"period": period, "period_error": error})
    return TemplateResponse(request, "reports/map.html", context)


# --- annual report -------------------------------------------------------------------------


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1900 <= year <= 2999:
        raise Http404
    return year


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def annual_page(request, year=None):
    """The year's report on a page: its texts in both languages (editable by the office),
    then what the document will hold, and the exports."""
    _require_reader(request)
    if year is None:
        year = annual.default_year()
    year = _year(year)
    can_edit = _can_edit_texts(request.user)
    errors = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        keys = annual.section_keys()
        texts = {
            key: (
                request.POST.get(f"{key}-en", ""),
                request.POST.get(f"{key}-zh", ""),
            )
            for key in keys
            if f"{key}-en" in request.POST or f"{key}-zh" in request.POST
        }
        too_long = [key for key, pair in texts.items() if any(len(t) > 5000 for t in pair)]
        if too_long:
            errors.append(_("A text may hold at most 5,000 characters."))
        else:
            annual.narratives_save(year=year, texts=texts, user=request.user)
            messages.success(
                request, _("The texts of the %(year)s report are saved.") % {"year": year}
            )
            return redirect(reverse("reports:annual_year", args=[year]))
    sections = annual.narrative_texts(year)
    if errors:
        for section in sections:
            section["text_en"] = request.POST.get(f"{section['key']}-en", section["text_en"])
            section["text_zh"] = request.POST.get(f"{section['key']}-zh", section["text_zh"])
    this_year = annual.default_year()
    context = {
        "year": year,
        "sections": sections,
        "can_edit": can_edit,
        "errors": errors,
        "years": list(range(this_year, this_year - 6, -1)),
    }
    return TemplateResponse(request, "reports/annual.html", context, status=422 if errors else 200)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def annual_docx(request, year):
    _require_reader(request)
    year = _year(year)
    parts = annual.build_report(year, first_language=translation.get_language() or "en")
    return _download(annual.report_docx(parts), DOCX_TYPE, f"amity-annual-report-{year}.docx")


@require_safe
@login_required
def annual_pdf(request, year):
    _require_reader(request)
    year = _year(year)
    parts = annual.build_report(year, first_language=translation.get_language() or "en")
    return _download(annual.report_pdf(parts), "application/pdf", f"amity-annual-report-{year}.pdf")


# --- news ----------------------------------------------------------------------------------


@require_safe
@login_required
def news_period(request):
    """A news draft about a period: what was held, with whom, how many took part."""
    _require_reader(request)
    period, error = _period(request)
    draft = news.period_draft(period)
    context = {"draft": draft, "period": period, "period_error": error}
    return TemplateResponse(request, "reports/news.html", context)


@require_safe
@login_required
def news_record(request, kind, key):
    """A news draft about one record (an activity)."""
    _require_reader(request)
    draft = news.record_draft(kind, key)
    if draft is None:
        raise Http404
    return TemplateResponse(request, "reports/news.html", {"draft": draft, "period": None})


@require_safe
@login_required
def news_text(request, kind=None, key=None):
    """The draft as plain text to copy, its links turned into numbered footnotes."""
    _require_reader(request)
    if kind is None:
        period, _error = _period(request)
        draft = news.period_draft(period)
    else:
        draft = news.record_draft(kind, key)
        if draft is None:
            raise Http404
    response = HttpResponse(
        news.as_text(draft, base=request.build_absolute_uri("/")),
        content_type="text/plain; charset=utf-8",
    )
    return response
