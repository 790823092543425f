"""Every registered figure equals the list behind it (its length, or for hours the sum of
its items' hours), on the demo and on a generated history; each has a definition."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from amity.core import figures
from amity.core.figures import Period
from benchmarks.history import build_history

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = {
    "directory.institutions_engaged",
    "directory.countries_engaged",
    "directory.new_partners",
    "directory.partners_repeated",
    "directory.staff_abroad",
    "events.activities",
    "events.departments",
    "events.sessions_held",
    "events.hours",
    "events.attendances",
    "registrations.registrants",
    "registrations.attendees",
    "relations.letters_sent",
    "relations.letters_received",
    "sharing.documents_shared",
    "sharing.partner_downloads",
    "aid.shipments",
    "research.studies_enrolling",
    "learning.completions",
}


def _assert_figures_equal_their_lists(period: Period) -> dict[str, object]:
    values = {}
    for figure in figures.registered():
        value = figure.value(period)
        items = figure.items(period)
        if figure.unit == "hours":
            assert value == sum((item.amount for item in items), Decimal(0)), figure.key
        else:
            assert value == len(items), (figure.key, value, len(items))
        for item in items:
            assert item.label, figure.key
            assert len(item.cells) == len(figure.columns), figure.key
        for breakdown in figure.breakdowns(period):
            assert len(breakdown.keys) == len(breakdown.rows), figure.key
        values[figure.key] = value
    return values


def test_every_domain_registers_its_figures_with_a_definition():
    registered = {figure.key: figure for figure in figures.registered()}
    assert set(registered) >= EXPECTED_KEYS
    for figure in registered.values():
        assert str(figure.definition).endswith("."), figure.key
        assert str(figure.label)


def test_every_figure_equals_its_list_on_the_demo(demo):
    today = timezone.localdate()
    for period in (
        Period.year(today.year),
        Period.year(today.year - 1),
        Period.quarter(today.year, 2),
    ):
        _assert_figures_equal_their_lists(period)
    # The demo's whole history (its exchanges since 2020): every kind of figure has something.
    values = _assert_figures_equal_their_lists(Period.dates(dt.date(2019, 1, 1), today))
    for key in (
        "directory.institutions_engaged",
        "directory.countries_engaged",
        "directory.new_partners",
        "events.activities",
        "events.sessions_held",
        "events.hours",
        "registrations.registrants",
        "registrations.attendees",
        "relations.letters_sent",
        "sharing.documents_shared",
        "aid.shipments",
        "research.studies_enrolling",
    ):
        assert values[key] > 0, key


def test_every_figure_equals_its_list_on_a_generated_history():
    summary = build_history(
        seed=7, institutions=20, activities=60, registrations=600, attendance=2000, end_year=2025
    )
    assert summary["years"] == [2021, 2022, 2023, 2024, 2025]
    totals: dict[str, object] = {}
    for year in summary["years"]:
        values = _assert_figures_equal_their_lists(Period.year(year))
        for key, value in values.items():
            totals[key] = totals.get(key, 0) + value
    _assert_figures_equal_their_lists(Period.quarter(2024, 3))
    _assert_figures_equal_their_lists(Period.dates(dt.date(2023, 2, 11), dt.date(2023, 9, 30)))
    # Each year's sessions add up to the whole history's (cancelled ones never count).
    whole = Period.dates(dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    assert figures.get("events.sessions_held").value(whole) == totals["events.sessions_held"]
    assert figures.get("events.hours").value(whole) == totals["events.hours"]
    assert figures.get("events.attendances").value(whole) == 2000 - _attendance_at_cancelled()
    for key in EXPECTED_KEYS - {"directory.staff_abroad", "directory.partners_repeated"}:
        assert totals[key] > 0, key


def _attendance_at_cancelled() -> int:
    from amity.events.models import Attendance

    return (
        Attendance.objects.filter(session__status="cancelled").count()
        + Attendance.objects.filter(session__activity__status="cancelled")
        .exclude(session__status="cancelled")
        .count()
    )


def test_erased_registrants_are_counted_but_not_named(world):
    from amity.events import services, timing
    from amity.registrations.models import Registration

    activity = services.activity_create(
        fields={"title": "Grand Rounds", "kind": "lecture", "status": "held"}
    )
    services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(dt.datetime(2025, 3, 3, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    now = timezone.now()
    for name, erased in (("Keller", None), ("Moreau", now)):
        Registration.objects.create(
            activity=activity,
            email=f"{name.lower()}@example.org" if not erased else "",
            family_name=name if not erased else "",
            country="FR",
            profession="nurse",
            status="confirmed",
            consent_at=now,
            erased_at=erased,
        )
    figure = figures.get("registrations.registrants")
    period = Period.quarter(2025, 1)
    assert figure.value(period) == 2
    labels = [item.label for item in figure.items(period)]
    assert labels == ["Keller", "(erased)"]
    assert "Moreau" not in str(figure.items(period))
    (by_country, by_profession) = figure.breakdowns(period)
    assert list(by_country.rows) == [("France", 2)] and list(by_country.keys) == ["FR"]
    assert list(by_profession.rows) == [("Nurse", 2)]
    hours = figures.get("events.hours")
    assert hours.value(period) == Decimal("1.50")


# --- periods ----------------------------------------------------------------------------------


def test_a_quarter_knows_its_days_and_the_quarter_before():
    q1 = Period.quarter(2024, 1)
    assert (q1.start, q1.end, q1.days) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31), 91)
    assert q1.previous() == Period.quarter(2023, 4)
    assert Period.quarter(2026, 3).previous() == Period.quarter(2026, 2)
    assert Period.quarter(2026, 4).end == dt.date(2026, 12, 31)
    assert Period.year(2026).previous() == Period.year(2025)
    assert Period.year(2024).days == 366


def test_dates_compare_with_as_many_days_ending_the_day_before():
    period = Period.dates(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert period.previous() == Period.dates(dt.date(2026, 2, 19), dt.date(2026, 2, 28))
    assert period.stop == dt.date(2026, 3, 11)
    assert period.start_at.isoformat() == "2026-03-01T00:00:00+08:00"
    assert period.stop_at.isoformat() == "2026-03-11T00:00:00+08:00"


def test_periods_read_from_a_query_and_back():
    for period in (
        Period.year(2025),
        Period.quarter(2026, 2),
        Period.dates(dt.date(2026, 1, 5), dt.date(2026, 2, 5)),
    ):
        assert Period.from_query(period.query()) == period
        assert Period.from_query(period.query()).kind == period.kind
    default = Period.year(2020)
    assert Period.from_query({}, default=default) is default
    for bad, message in (
        ({"year": "2026", "quarter": "0"}, "A quarter is 1, 2, 3 or 4."),
        ({"year": "twenty"}, "Give the year and quarter as numbers."),
        ({"start": "2026-13-01", "end": "2026-12-01"}, "Give dates as YYYY-MM-DD."),
        ({"end": "2026-12-01"}, "Give both a start and an end date."),
        ({"year": "3000"}, "Give a year between 1900 and 2999."),
        ({"start": "9999-12-01", "end": "9999-12-31"}, "Give dates between 1900 and 2999."),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            Period.from_query(bad)


def test_period_labels_read_natively_in_both_languages():
    q1 = Period.quarter(2026, 1)
    assert q1.label() == "2026 Q1"
    assert q1.dates_label() == "1 January 2026 – 31 March 2026"
    assert Period.year(2026).label() == "2026"
    with translation.override("zh-hans"):
        assert q1.label() == "2026年第一季度"
        assert Period.quarter(2025, 4).label() == "2025年第四季度"
        assert q1.dates_label() == "2026年1月1日–2026年3月31日"
        assert Period.year(2026).label() == "2026年"
        assert Period.dates(dt.date(2026, 2, 1), dt.date(2026, 2, 9)).label() == (
            "2026年2月1日–2026年2月9日"
        )


def test_a_figure_must_name_a_known_section_and_unit():
    def nothing(period):
        return 0

    with pytest.raises(ValueError, match="Unknown section"):
        figures.register(
            figures.Figure(
                key="x.y", section="width", label="x", definition="x.", count=nothing,
                list_items=lambda period: [],
            )
        )  # fmt: skip
    assert figures.get("x.y") is None
