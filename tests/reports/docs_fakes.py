"""Figures and stories of reports-docs' tests, registered instead of the domains' ones so the
numbers are known exactly (``fake_figures``), beside tests on the domains' real figures."""

import datetime as dt

import pytest

from amity.core import figures

COUNTRIES_BY_YEAR = {
    2025: {"CN": 2, "US": 1},
    2026: {"US": 6, "GB": 3, "CN": 1, "SG": 2, "DE": 1, "FR": 1, "KE": 1},
}
KINDS_2026 = {"lecture": 4, "webinar": 2, "学术讲座": 1}


def _year(period):
    return period.start.year if period.kind == "year" else None


def _institutions_items(period):
    per = COUNTRIES_BY_YEAR.get(_year(period), {})
    return [
        figures.Item(f"Institution {code} {n}", f"/directory/institutions/{code}{n}/", (code,))
        for code, count in sorted(per.items())
        for n in range(count)
    ]


def _institutions_breakdowns(period):
    per = COUNTRIES_BY_YEAR.get(_year(period), {})
    return [
        figures.breakdown_of("By country", per, label=lambda c: f"Country {c}", dimension="country")
    ]


def _activities_breakdowns(period):
    per = KINDS_2026 if _year(period) == 2026 else {}
    return [figures.breakdown_of("By kind", per, dimension="kind")]


def _activities_items(period):
    per = KINDS_2026 if _year(period) == 2026 else {}
    return [figures.Item(f"{kind} {n}") for kind, count in per.items() for n in range(count)]


FAKES = [
    figures.Figure(
        key="fake.institutions",
        section="breadth",
        label="Institutions engaged",
        definition="An institution counts as engaged when it took part.",
        count=lambda p: len(_institutions_items(p)),
        list_items=_institutions_items,
        columns=("Country",),
        breakdown=_institutions_breakdowns,
    ),
    figures.Figure(
        key="fake.activities",
        section="depth",
        label="Activities held",
        definition="An activity counts as held when one of its sessions was.",
        count=lambda p: len(_activities_items(p)),
        list_items=_activities_items,
        breakdown=_activities_breakdowns,
    ),
]


def _story(key: str):
    if key != "7":
        return None
    return figures.Story(
        kind="activity",
        key="7",
        title="Remote International Classroom",
        url="/events/activities/7/",
        start=dt.date(2026, 4, 17),
        end=dt.date(2026, 4, 17),
        facts=(
            figures.Fact("kind", "Kind", "Lecture", "/events/activities/7/"),
            figures.Fact("department", "Department", "Endocrinology", "/directory/departments/3/"),
            figures.Fact(
                "partners",
                "Partners",
                1,
                "/directory/institutions/9/",
                links=(("Stanford Medicine", "/directory/institutions/9/"),),
            ),
            figures.Fact("countries", "Countries", 1, links=(("United States", ""),)),
            figures.Fact("sessions", "Sessions held", 1, "/events/activities/7/"),
            figures.Fact("registrants", "Registrants", 812, "/activities/7/registrants/"),
            figures.Fact("attendees", "Attendees", 640, "/activities/7/attendance/"),
        ),
    )


@pytest.fixture
def fake_figures(monkeypatch):
    """Only the fakes above are registered, with one story source."""
    monkeypatch.setattr(figures, "_REGISTRY", {})
    monkeypatch.setattr(figures, "_STORY_SOURCES", {})
    figures.register(*FAKES)
    figures.register_stories(
        figures.StorySource(
            kind="activity",
            label="Activity",
            get=_story,
            in_period=lambda period: [_story("7")] if period.start.year == 2026 else [],
        )
    )
    return FAKES
