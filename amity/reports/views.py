"""The reports' pages: the dashboard of every figure for a period against the period before,
one figure's page with the list behind it, and their exports (CSV and XLSX).

Who may see them: ``amity.reports.permissions.can_view_reports`` (office staff and holders of
``reports.view_reports``); everyone else signed in gets 403, as the exports do."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from amity.core import figures
from amity.core.downloads import content_disposition, protect
from amity.core.figures import Period
from amity.core.paging import page_of, query_without
from amity.core.spreadsheets import csv_bytes, xlsx_bytes
from amity.reports import dashboard as board
from amity.reports.permissions import can_view_reports

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ITEMS_PER_PAGE = 100


def _check(request) -> None:
    if not can_view_reports(request.user):
        raise PermissionDenied


def _period(request) -> tuple[Period, str]:
    """The period the query asks for (this year when it names none), and a message when
    what it names is not a period (then this year is shown)."""
    this_year = Period.year(timezone.localdate().year)
    try:
        return Period.from_query(request.GET, default=this_year), ""
    except ValueError as error:
        return this_year, str(error)


def _period_form(request, period: Period) -> dict:
    today = timezone.localdate()
    kind = period.kind
    return {
        "kind": kind,
        "year": period.start.year,
        "quarter": period.quarter_number or (today.month - 1) // 3 + 1,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "years": list(range(today.year, today.year - 11, -1)),
    }


def _absolute(request, rows: list[list], link_column: int = -1) -> list[list]:
    for row in rows[1:]:
        if row[link_column]:
            row[link_column] = request.build_absolute_uri(row[link_column])
    return rows


def _file(rows: list[list], *, name: str, fmt: str, title: str) -> HttpResponse:
    body = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows, title=title)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    return protect(response)


def _file_name(prefix: str, period: Period) -> str:
    return f"{prefix}-{period.start.isoformat()}-{period.end.isoformat()}"


@login_required
@require_safe
def dashboard(request):
    _check(request)
    period, problem = _period(request)
    previous = period.previous()
    sections = board.dashboard(period)
    query = period.query()
    return TemplateResponse(
        request,
        "reports/dashboard.html",
        {
            "period": period,
            "previous": previous,
            "problem": problem,
            "form": _period_form(request, period),
            "sections": [
                {
                    "key": section.key,
                    "label": section.label,
                    "rows": [
                        {
                            "figure": row.figure,
                            "value": board.number(row.value),
                            "previous": board.number(row.previous),
                            "difference": board.difference(row.difference),
                            "trend": (row.difference > 0) - (row.difference < 0),
                            "url": board.figure_url(row.figure, period),
                            "breakdowns": row.breakdowns,
                        }
                        for row in section.rows
                    ],
                }
                for section in sections
            ],
            "query_string": urlencode(query),
        },
        status=400 if problem else 200,
    )


@login_required
@require_safe
def figure(request, key: str):
    _check(request)
    found = figures.get(key)
    if found is None:
        raise Http404
    period, problem = _period(request)
    previous = period.previous()
    items = found.items(period)
    value = found.value(period)
    previous_value = found.value(previous)
    return TemplateResponse(
        request,
        "reports/figure.html",
        {
            "figure": found,
            "period": period,
            "previous": previous,
            "problem": problem,
            "form": _period_form(request, period),
            "value": board.number(value),
            "previous_value": board.number(previous_value),
            "difference": board.difference(value - previous_value),
            "previous_url": board.figure_url(found, previous),
            "page": page_of(request, items, ITEMS_PER_PAGE),
            "page_query": query_without(request, "page"),
            "breakdowns": found.breakdowns(period),
            "hours": found.unit != "count",
            "query_string": urlencode(period.query()),
        },
        status=400 if problem else 200,
    )


@login_required
@require_safe
def export_all(request, fmt: str):
    _check(request)
    if fmt not in FORMATS:
        raise Http404
    period, problem = _period(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    rows = board.all_figures_table(period)
    return _file(rows, name=_file_name("figures", period), fmt=fmt, title=period.label())


@login_required
@require_safe
def export_items(request, key: str, fmt: str):
    _check(request)
    found = figures.get(key)
    if found is None or fmt not in FORMATS:
        raise Http404
    period, problem = _period(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    rows = _absolute(request, board.items_table(found, period))
    return _file(rows, name=_file_name(key, period), fmt=fmt, title=str(found.label))
