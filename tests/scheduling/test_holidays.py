"""Holidays from the calendar: China's adjusted working days and the Spring Festival week,
a holiday of one state only, the organiser's own dates, and what the planner makes of them
(costs known by hand)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from amity.scheduling import holidays, planner


def _china(first: date, last: date, language: str = "en") -> holidays.SiteCalendar:
    return holidays.site_calendar("CN", first=first, last=last, language=language)


def test_china_2026_adjusted_working_days_are_working_dates():
    """In 2026 the Sundays and Saturdays worked to lengthen the holidays are working days:
    4 January, 14 and 28 February, 9 May, 20 September, 10 October."""
    calendar = _china(date(2026, 1, 1), date(2026, 12, 31))
    assert sorted(calendar.working_dates) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert date(2026, 2, 14).weekday() == 5  # a Saturday
    assert date(2026, 2, 14) not in calendar.days_off


def test_china_2026_spring_festival_week_is_off_from_eve_to_the_substituted_monday():
    """The Spring Festival 2026: the eve (16 February) to Friday 20 February off, and
    Monday 23 February off in exchange for Saturday 28 February."""
    calendar = _china(date(2026, 2, 9), date(2026, 3, 1))
    assert sorted(calendar.days_off) == [
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 2, 23),
    ]
    assert calendar.days_off[date(2026, 2, 17)] == "Chinese New Year (Spring Festival)"
    assert calendar.days_off[date(2026, 2, 20)] == "Day off (substituted from 02/14/2026)"


def test_china_holiday_names_in_chinese_for_a_chinese_page():
    calendar = _china(date(2026, 2, 16), date(2026, 2, 20), language="zh-hans")
    assert calendar.days_off[date(2026, 2, 17)] == "春节"
    assert calendar.days_off[date(2026, 2, 20)] == "休息日（由 2026-02-14 调休）"


def test_china_2027_spring_festival_and_national_day_weeks():
    """2027: the Spring Festival falls on Saturday 6 February; the library gives the eve
    and the week after it off, and the National Day week from 1 to 5 October. (The State
    Council publishes the 2027 weekend swaps late in 2026; the library adds them then, and
    until it does the organiser adds any such date by hand.)"""
    calendar = _china(date(2027, 1, 1), date(2027, 12, 31))
    spring = [day for day in calendar.days_off if date(2027, 2, 1) <= day <= date(2027, 2, 28)]
    assert spring == [date(2027, 2, d) for d in range(5, 11)]
    national = [day for day in calendar.days_off if day.month == 10]
    assert national == [date(2027, 10, d) for d in range(1, 6)]


def test_a_series_over_the_new_year_gets_both_years():
    calendar = _china(date(2026, 12, 20), date(2027, 1, 10))
    assert list(calendar.days_off) == [date(2027, 1, 1)]


def test_patriots_day_is_a_holiday_in_boston_not_in_philadelphia():
    """Patriots' Day (third Monday of April) is a Massachusetts holiday only."""
    boston = holidays.site_calendar(
        "US", "MA", first=date(2026, 4, 1), last=date(2026, 4, 30), language="en"
    )
    philadelphia = holidays.site_calendar(
        "US", "PA", first=date(2026, 4, 1), last=date(2026, 4, 30), language="en"
    )
    assert boston.days_off == {date(2026, 4, 20): "Patriots' Day"}
    assert philadelphia.days_off == {}


def test_rome_has_its_patron_saints_day_in_english():
    rome = holidays.site_calendar(
        "IT", "RM", first=date(2026, 6, 1), last=date(2026, 6, 30), language="en"
    )
    milan = holidays.site_calendar(
        "IT", "MI", first=date(2026, 6, 1), last=date(2026, 6, 30), language="en"
    )
    assert rome.days_off == {
        date(2026, 6, 2): "Republic Day",
        date(2026, 6, 29): "Saints Peter and Paul's Day",
    }
    assert milan.days_off == {date(2026, 6, 2): "Republic Day"}


def test_unknown_subdivision_is_refused_and_unknown_country_is_empty():
    with pytest.raises(ValueError, match="XX is not a subdivision of US"):
        holidays.site_calendar("US", "XX", first=date(2026, 1, 1), last=date(2026, 12, 31))
    calendar = holidays.site_calendar("ZZ", first=date(2026, 1, 1), last=date(2026, 12, 31))
    assert calendar.days_off == {}
    assert not calendar.known


def test_organiser_adds_and_removes_dates():
    """An added date is a day off; a removed holiday costs like its weekday; an adjusted
    working day added as a day off is no longer a working day."""
    calendar = _china(date(2026, 2, 9), date(2026, 3, 1))
    unavailable, working = holidays.site_dates(
        calendar,
        added=[date(2026, 2, 24), date(2026, 2, 28)],
        removed=[date(2026, 2, 23)],
    )
    assert sorted(unavailable) == [
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 2, 24),
        date(2026, 2, 28),
    ]
    assert working == frozenset({date(2026, 2, 14)})


def _hangzhou(calendar: holidays.SiteCalendar | None) -> planner.Site:
    if calendar is None:
        return planner.Site(name="Hangzhou", zone="Asia/Shanghai")
    unavailable, working = holidays.site_dates(calendar)
    return planner.Site(
        name="Hangzhou",
        zone="Asia/Shanghai",
        unavailable_dates=unavailable,
        working_dates=working,
    )


def test_a_call_on_the_adjusted_working_saturday_costs_like_a_weekday():
    """10:00 in Hangzhou on Saturday 14 February 2026 costs 0 with the calendar (a working
    day), 3 per minute without it (a Saturday)."""
    calendar = _china(date(2026, 2, 14), date(2026, 2, 20))
    start = datetime(2026, 2, 14, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou
    for site, cost in ((_hangzhou(calendar), 0.0), (_hangzhou(None), 3.0)):
        problem = planner.Problem(
            sites=(site,),
            meeting_minutes=60,
            first_date=date(2026, 2, 14),
            weeks=1,
            allowed_weekdays=frozenset({5}),
        )
        plan = planner.evaluate(problem, [start], label="test")
        assert plan.max_cost == cost


def test_holiday_only_instance_plans_the_spring_festival_week_at_known_cost():
    """Hangzhou alone, two Wednesdays (UTC) from 11 February 2026; 18 February is in the
    Spring Festival week. The best is office hours both weeks: 0 on the 11th and the
    holiday surcharge 3 on the 18th, 3 in all; without the calendar 0."""
    calendar = _china(date(2026, 2, 11), date(2026, 2, 25))
    for site, best in ((_hangzhou(calendar), 3.0), (_hangzhou(None), 0.0)):
        problem = planner.Problem(
            sites=(site,),
            meeting_minutes=60,
            first_date=date(2026, 2, 11),
            weeks=2,
            allowed_weekdays=frozenset({2}),
        )
        plan = planner.solve_exact(problem, time_limit=5)
        assert plan.max_cost == best
        assert plan.site("Hangzhou").costs == ((0.0, 3.0) if best else (0.0, 0.0))
        local = plan.site("Hangzhou").local_starts[1]
        assert 8 <= local.hour < 18
        assert local.date() in (date(2026, 2, 18), date(2026, 2, 18) + timedelta(days=1))
