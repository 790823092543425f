"""Enrolment against target: running totals, the pace of the last months and the
completion date it projects (cases computed by hand), and the server-drawn SVG chart —
valid XML, a line and a dashed target per site, a legend, a title and description for
screen readers, labels in the reader's language, no inline style."""

from datetime import date
from xml.etree import ElementTree

import pytest

from amity.research.enrolment import (
    SiteSeries,
    add_months,
    cumulative,
    enrolment_chart_svg,
    monthly,
    projected_completion,
    recent_rate,
)

SVG = "{http://www.w3.org/2000/svg}"


def months(first: date, counts: list[int]) -> dict[date, int]:
    return {add_months(first, n): count for n, count in enumerate(counts)}


# --- series ------------------------------------------------------------------------------


def test_cumulative_fills_the_months_without_a_count():
    counts = {date(2026, 1, 1): 4, date(2026, 3, 15): 6, date(2026, 4, 1): 0}
    assert cumulative(counts) == [
        (date(2026, 1, 1), 4),
        (date(2026, 2, 1), 4),
        (date(2026, 3, 1), 10),
        (date(2026, 4, 1), 10),
    ]
    assert monthly(counts, end=date(2026, 6, 30))[-2:] == [
        (date(2026, 5, 1), 0),
        (date(2026, 6, 1), 0),
    ]


def test_months_roll_over_the_year():
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_recent_rate_is_the_mean_of_the_last_six_months():
    # 12 months: 20 a month, then 6 a month for the last six.
    counts = months(date(2025, 1, 1), [20] * 6 + [6] * 6)
    assert recent_rate(counts) == 6
    # Counted to September with nothing after June: (6 × 3 + 0 × 3) / 6.
    assert recent_rate(counts, as_of=date(2026, 3, 1)) == 3


def test_recent_rate_of_a_young_series_is_over_the_months_it_has():
    assert recent_rate(months(date(2026, 1, 1), [3, 5])) == 4


# --- projected completion: computed by hand --------------------------------------------------


def test_ten_a_month_reach_a_hundred_four_months_after_june():
    # January–June: 10 a month = 60; 40 to go at 10 a month: July, August, September,
    # October → 31 October.
    counts = months(date(2026, 1, 1), [10] * 6)
    assert projected_completion(counts, 100) == date(2026, 10, 31)


def test_a_part_month_counts_its_days_rounded_up():
    # 35 to go at 10 a month = 3.5 months after June: July, August, September, then half
    # of October's 31 days = 15.5 → 16 October.
    counts = months(date(2026, 1, 1), [10] * 6)
    assert projected_completion(counts, 95) == date(2026, 10, 16)


def test_the_rate_is_the_recent_one_not_the_whole_history():
    # 2025: 30 a month (360); 2026 H1: 5 a month (30). 390 of 450: 60 to go at 5 a month
    # (the last six months) = 12 months after June 2026 → 30 June 2027.
    counts = months(date(2025, 1, 1), [30] * 12 + [5] * 6)
    assert projected_completion(counts, 450) == date(2027, 6, 30)


def test_silent_months_up_to_as_of_slow_the_projection():
    # January–June 10 a month, nothing entered July–September, counted as of September:
    # rate over April–September = 30 / 6 = 5; 40 to go = 8 months after September →
    # 31 May 2027.
    counts = months(date(2026, 1, 1), [10] * 6)
    assert projected_completion(counts, 100, as_of=date(2026, 9, 1)) == date(2027, 5, 31)


def test_no_recent_enrolment_projects_no_date():
    counts = {date(2025, 1, 1): 40, date(2026, 1, 1): 0}
    assert recent_rate(counts) == 0
    assert projected_completion(counts, 100) is None
    assert projected_completion({}, 100) is None


@pytest.mark.parametrize("target", [None, 0])
def test_no_target_projects_no_date(target):
    assert projected_completion(months(date(2026, 1, 1), [10] * 6), target) is None


def test_a_target_already_reached_gives_the_end_of_that_month():
    counts = months(date(2026, 1, 1), [30, 30, 30, 30])
    assert projected_completion(counts, 100) == date(2026, 4, 30)
    assert projected_completion(counts, 60) == date(2026, 2, 28)


# --- the chart -------------------------------------------------------------------------------


def _sites():
    return [
        SiteSeries(
            "Children's Hospital, Zhejiang University School of Medicine",
            months(date(2025, 1, 1), [10] * 18),
            200,
        ),
        SiteSeries("Loma Linda <University> & Partners", months(date(2025, 6, 1), [2] * 12), 60),
        SiteSeries("上海儿童医学中心", {}, 40),
        SiteSeries("Ospedale dei Bambini", months(date(2025, 3, 1), [1, 2]), None),
    ]


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - the chart's own output


def test_chart_is_valid_svg_with_a_line_and_a_dashed_target_per_site():
    root = _parse(enrolment_chart_svg(_sites(), lang="en"))
    assert root.tag == f"{SVG}svg"
    groups = root.findall(f"{SVG}g[@class='site']")
    assert len(groups) == 4
    # A running-total line for each site that has counts, and a target for each with one.
    lines = [g.find(f"{SVG}polyline[@class='enrolled']") for g in groups]
    assert [line is not None for line in lines] == [True, True, True, True]
    targets = [g.find(f"{SVG}line[@class='target']") for g in groups]
    assert [t is not None for t in targets] == [True, True, True, False]
    assert all(t.get("stroke-dasharray") for t in targets if t is not None)
    # Each site's line and target share its colour.
    for line, target in zip(lines, targets, strict=True):
        if target is not None:
            assert line.get("stroke") == target.get("stroke")
    # The first site's line ends at its total: 18 months (Jan 2025 – Jun 2026) plus the
    # baseline point; its last point is the highest of all lines (180 of 200).
    first_points = lines[0].get("points").split()
    assert len(first_points) == 18 + 1


def test_chart_lines_end_at_each_sites_total():
    sites = [
        SiteSeries("A", months(date(2026, 1, 1), [50, 50]), 100),
        SiteSeries("B", months(date(2026, 1, 1), [0, 25]), 100),
    ]
    root = _parse(enrolment_chart_svg(sites, lang="en"))
    ends = []
    for line in root.iter(f"{SVG}polyline"):
        ends.append(float(line.get("points").split()[-1].split(",")[1]))
    target_y = float(root.find(f".//{SVG}line[@class='target']").get("y1"))
    # A reached its target (same height as the target line); B is a quarter of the way.
    assert ends[0] == pytest.approx(target_y)
    zero_y = float(root.find(f".//{SVG}polyline").get("points").split()[0].split(",")[1])
    assert ends[1] == pytest.approx(zero_y - (zero_y - target_y) / 4)


def test_chart_has_a_title_a_description_and_a_legend():
    root = _parse(enrolment_chart_svg(_sites(), lang="en", chart_id="study-7"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "study-7-title study-7-desc"
    assert root.find(f"{SVG}title").get("id") == "study-7-title"
    assert root.find(f"{SVG}title").text == "Cumulative enrolment against target per site"
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("From January 2025 to June 2026.")
    assert "Loma Linda <University> & Partners: 24 enrolled of a target of 60." in desc
    assert "上海儿童医学中心: 0 enrolled of a target of 40." in desc
    assert "Ospedale dei Bambini: 3 enrolled, no target set." in desc
    legend = [t.text for t in root.find(f"{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend[0] == "target (dashed)"
    assert legend[2] == "Loma Linda <University> & Partners 24 / 60"
    assert legend[3] == "上海儿童医学中心 0 / 40"
    assert legend[4] == "Ospedale dei Bambini 3"


def test_chart_escapes_names_and_has_no_inline_style_or_script():
    svg = str(enrolment_chart_svg(_sites(), lang="en"))
    assert "<University>" not in svg
    assert "&lt;University&gt; &amp; Partners" in svg
    assert "style=" not in svg
    assert "<script" not in svg
    assert " on" not in svg.replace(" one", "")


def test_chart_speaks_chinese_to_a_chinese_reader():
    root = _parse(enrolment_chart_svg(_sites(), lang="zh-hans"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert "2026年6月" in ticks
    desc = root.find(f"{SVG}desc").text
    assert "2025年1月" in desc
    assert "2026年6月" in desc


def test_as_of_stretches_the_months_to_today():
    sites = [SiteSeries("A", months(date(2026, 1, 1), [5, 5]), 50)]
    root = _parse(enrolment_chart_svg(sites, lang="en", as_of=date(2026, 6, 15)))
    line = root.find(f".//{SVG}polyline")
    assert len(line.get("points").split()) == 6 + 1
    assert root.find(f"{SVG}desc").text.startswith("From January 2026 to June 2026.")


def test_a_chart_without_counts_says_so():
    root = _parse(enrolment_chart_svg([SiteSeries("A", {}, 10)], lang="en"))
    assert root.find(f"{SVG}desc").text == "No enrolment has been entered yet."
    assert root.find(f"{SVG}polyline") is None
    assert enrolment_chart_svg([], lang="en").startswith("<svg")


def test_a_name_too_long_for_the_legend_is_shortened_with_the_whole_name_as_its_tooltip():
    name = "Hospital " * 12 + "of Very Long Names"
    root = _parse(enrolment_chart_svg([SiteSeries(name, {date(2026, 1, 1): 1}, 5)], lang="en"))
    entry = root.find(f"{SVG}g[@class='legend']").findall(f"{SVG}text")[1]
    assert entry.text.endswith("… 1 / 5")
    assert len(entry.text) < len(name)
    assert entry.find(f"{SVG}title").text == name


def test_thirty_sites_fit_in_one_chart():
    sites = [
        SiteSeries(f"Site {n}", months(date(2024, 1, 1), [n % 7] * 36), 200) for n in range(30)
    ]
    root = _parse(enrolment_chart_svg(sites, lang="en"))
    assert len(root.findall(f"{SVG}g[@class='site']")) == 30
    legend = root.find(f"{SVG}g[@class='legend']")
    assert len(legend.findall(f"{SVG}text")) == 31
    assert all("…" not in t.text for t in legend.iter(f"{SVG}text"))
    height = float(root.get("viewBox").split()[3])
    lowest = max(float(t.get("y")) for t in legend.iter(f"{SVG}text"))
    assert lowest < height
