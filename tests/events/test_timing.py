from datetime import UTC, date, datetime

import pytest

from amity.events import timing


def test_time_in_a_dst_gap_is_refused_with_both_readings():
    with pytest.raises(timing.NonexistentLocalTime) as error:
        timing.resolve_local(datetime(2027, 3, 14, 2, 30), "America/New_York")
    earlier, later = error.value.options
    assert (earlier.strftime("%H:%M %Z"), later.strftime("%H:%M %Z")) == ("01:30 EST", "03:30 EDT")
    assert "Choose 01:30 or 03:30" in str(error.value)


def test_time_in_a_dst_fold_is_refused_until_the_fold_is_chosen():
    with pytest.raises(timing.AmbiguousLocalTime) as error:
        timing.resolve_local(datetime(2026, 11, 1, 1, 30), "America/New_York")
    assert [o.utcoffset().total_seconds() / 3600 for o in error.value.options] == [-4, -5]
    assert timing.resolve_local(datetime(2026, 11, 1, 1, 30), "America/New_York", fold=0) == (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    )
    assert timing.resolve_local(datetime(2026, 11, 1, 1, 30), "America/New_York", fold=1) == (
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    )


def test_ordinary_time_resolves_to_its_utc_instant():
    assert timing.resolve_local(datetime(2026, 3, 4, 4, 0), "Asia/Shanghai") == datetime(
        2026, 3, 3, 20, 0, tzinfo=UTC
    )


def test_weekly_series_keeps_organisers_wall_clock_across_dst():
    occurrences = timing.expand(
        dtstart=datetime(2027, 3, 3, 16, 0), zone="America/New_York", rrule="FREQ=WEEKLY;COUNT=5"
    )
    assert [o.local.strftime("%m-%d %H:%M") for o in occurrences] == [
        "03-03 16:00",
        "03-10 16:00",
        "03-17 16:00",
        "03-24 16:00",
        "03-31 16:00",
    ]
    assert [o.starts_at.strftime("%H:%M") for o in occurrences] == [
        "21:00",
        "21:00",
        "20:00",
        "20:00",
        "20:00",
    ]


def test_occurrence_falling_in_a_gap_takes_the_offset_before_it():
    occurrences = timing.expand(
        dtstart=datetime(2027, 3, 7, 2, 30), zone="America/New_York", rrule="FREQ=WEEKLY;COUNT=2"
    )
    assert occurrences[1].local.strftime("%Y-%m-%d %H:%M %Z") == "2027-03-14 03:30 EDT"


def test_series_without_an_end_is_refused():
    with pytest.raises(ValueError, match="needs an end"):
        timing.expand(dtstart=datetime(2027, 1, 1, 9, 0), zone="UTC", rrule="FREQ=WEEKLY")


def test_series_with_too_many_occurrences_is_refused():
    with pytest.raises(ValueError, match="at most 520"):
        timing.expand(dtstart=datetime(2027, 1, 1, 9, 0), zone="UTC", rrule="FREQ=DAILY;COUNT=600")


def test_until_in_utc_is_an_instant_and_a_date_until_includes_that_day():
    def dates(rrule):
        return [
            o.local.date()
            for o in timing.expand(
                dtstart=datetime(2027, 1, 6, 16, 0), zone="America/New_York", rrule=rrule
            )
        ]

    # 2027-01-20 00:00 UTC is 19 January, 19:00 in New York: the 20th is after it.
    assert dates("FREQ=WEEKLY;UNTIL=20270120T000000Z") == [date(2027, 1, 6), date(2027, 1, 13)]
    assert dates("FREQ=WEEKLY;UNTIL=20270120") == [
        date(2027, 1, 6),
        date(2027, 1, 13),
        date(2027, 1, 20),
    ]


def test_sites_see_their_local_time_move_when_dst_changes_anywhere():
    instants = [
        o.starts_at
        for o in timing.expand(
            dtstart=datetime(2027, 3, 3, 16, 0),
            zone="America/New_York",
            rrule="FREQ=WEEKLY;COUNT=6",
        )
    ]
    hangzhou = timing.local_time_shifts(instants, "Asia/Shanghai")
    assert [(s.since, s.hours) for s in hangzhou] == [(date(2027, 3, 18), -1.0)]
    london = timing.local_time_shifts(instants, "Europe/London")
    assert [(s.since, s.hours) for s in london] == [
        (date(2027, 3, 17), -1.0),
        (date(2027, 3, 31), 1.0),
    ]
    assert timing.local_time_shifts(instants, "America/New_York") == []


def test_rrule_is_stored_with_until_in_utc():
    assert timing.normalize_rrule("rrule:freq=weekly;until=20270120", "Asia/Shanghai") == (
        "FREQ=WEEKLY;UNTIL=20270120T155959Z"
    )
    assert timing.normalize_rrule("FREQ=WEEKLY;COUNT=3", "Asia/Shanghai") == "FREQ=WEEKLY;COUNT=3"
