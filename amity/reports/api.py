"""The breadth-and-depth figures in the JSON API: every figure for a period against the period
before (``GET /reports/figures``), and one figure with the list behind it
(``GET /reports/figures/{key}``). The same registry and the same permission as the pages:
office staff and holders of ``reports.view_reports``; anyone else gets 403. A period that is
not one (``quarter=5``, an end before the start) is a 422 with ``detail`` and ``errors``."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from amity.core import figures
from amity.core.figures import Period
from amity.core.schemas import errors_detail
from amity.reports import dashboard as board
from amity.reports.permissions import can_view_reports

router = Router(tags=["reports"])


class PeriodQuery(Schema):
    year: int | None = Field(None, description="A year, e.g. 2026 (alone: the whole year).")
    quarter: int | None = Field(None, description="1–4, with year.")
    start: dt.date | None = Field(None, description="First day (with end), e.g. 2026-01-01.")
    end: dt.date | None = Field(None, description="Last day, included (with start).")


class ItemsQuery(PeriodQuery):
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


class PeriodOut(Schema):
    kind: str = Field(description="year, quarter or dates")
    start: dt.date
    end: dt.date = Field(description="The last day, included.")
    label: str = Field(description="In the request's language: 2026 Q1 / 2026年第一季度.")


class BreakdownRowOut(Schema):
    label: str
    key: str = Field(description="ISO country code, choice value or institution id; '' unknown.")
    value: float


class BreakdownOut(Schema):
    title: str
    dimension: str = Field(description="country, kind, profession, institution or ''")
    rows: list[BreakdownRowOut]


class FigureOut(Schema):
    key: str
    section: str
    label: str
    definition: str
    unit: str = Field(description="count or hours")
    value: float
    previous: float = Field(description="The value for the period before.")
    difference: float
    breakdowns: list[BreakdownOut]


class FiguresOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    figures: list[FigureOut]


class FigureItemOut(Schema):
    label: str
    url: str = Field(description="The record's page ('' when none).")
    cells: list[str | float | None] = Field(description="Values in the order of columns.")
    amount: float = Field(description="What the item adds: 1, or its hours.")


class FigureItemsOut(Schema):
    period: PeriodOut
    figure: FigureOut
    columns: list[str]
    count: int = Field(description="How many items in all.")
    page: int
    items: list[FigureItemOut]


class RefusalOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


REFUSALS = {403: RefusalOut, 404: RefusalOut, 422: RefusalOut}


def _check(request) -> None:
    if not can_view_reports(request.user):
        raise PermissionDenied


def _period(query: PeriodQuery) -> Period:
    params = {
        name: (value.isoformat() if isinstance(value, dt.date) else str(value))
        for name, value in query.dict().items()
        if name in {"year", "quarter", "start", "end"} and value is not None
    }
    return Period.from_query(params, default=Period.year(timezone.localdate().year))


def _invalid(message: str) -> Status:
    errors = {"period": [message]}
    return Status(422, {"detail": errors_detail(errors), "errors": errors})


def _period_out(period: Period) -> dict:
    return {"kind": period.kind, "start": period.start, "end": period.end, "label": period.label()}


def _number(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


def _figure_out(figure, period: Period, *, breakdowns: bool = True) -> dict:
    value = figure.value(period)
    previous = figure.value(period.previous())
    return {
        "key": figure.key,
        "section": figure.section,
        "label": str(figure.label),
        "definition": str(figure.definition),
        "unit": figure.unit,
        "value": _number(value),
        "previous": _number(previous),
        "difference": _number(value - previous),
        "breakdowns": [
            {
                "title": b.title,
                "dimension": b.dimension,
                "rows": [
                    {"label": label, "key": key, "value": _number(n)}
                    for (label, n), key in zip(b.rows, b.keys or [""] * len(b.rows), strict=True)
                ],
            }
            for b in (figure.breakdowns(period) if breakdowns else [])
        ],
    }


def _cell(value):
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@router.get("/reports/figures", response={200: FiguresOut, **REFUSALS}, summary="Figures")
def list_figures(request, query: Query[PeriodQuery]):
    """Every registered figure for the period (this year when none is given) with its value
    for the period before, the difference, its definition and its breakdowns."""
    _check(request)
    try:
        period = _period(query)
    except ValueError as error:
        return _invalid(str(error))
    with figures.computing():
        out = [_figure_out(figure, period) for figure in board.ordered_figures()]
    return {
        "period": _period_out(period),
        "previous": _period_out(period.previous()),
        "figures": out,
    }


@router.get(
    "/reports/figures/{key}", response={200: FigureItemsOut, **REFUSALS}, summary="One figure"
)
def get_figure(request, key: str, query: Query[ItemsQuery]):
    """One figure for the period and the list of items behind it, a page at a time (the
    number of items equals the figure, or for hours their hours add up to it)."""
    _check(request)
    figure = figures.get(key)
    if figure is None:
        raise Http404(_("No such figure."))
    try:
        period = _period(query)
    except ValueError as error:
        return _invalid(str(error))
    items = figure.items(period)
    first = (query.page - 1) * query.page_size
    return {
        "period": _period_out(period),
        "figure": _figure_out(figure, period),
        "columns": [str(column) for column in figure.columns],
        "count": len(items),
        "page": query.page,
        "items": [
            {
                "label": item.label,
                "url": request.build_absolute_uri(item.url) if item.url else "",
                "cells": [_cell(cell) for cell in item.cells],
                "amount": _number(item.amount),
            }
            for item in items[first : first + query.page_size]
        ],
    }
