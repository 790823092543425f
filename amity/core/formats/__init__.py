"""Amity's own date formats, per language (``FORMAT_MODULE_PATH``).

Besides Django's standard names, templates use these named formats so that each language
writes dates its own way in one place:

- ``WEEKDAY_DATE_FORMAT``: a day with its weekday ("Thu 3 Dec 2026", "2026年12月3日 星期四");
- ``WEEKDAY_DATETIME_FORMAT``: the same with the time ("Thu 3 Dec 2026, 14:30");
- ``WEEKDAY_DATE_BEFORE_TIME_FORMAT``: the same, followed by a time ("Thu 3 Dec 2026,"
  then "14:30"; the time is written apart so that a time range never breaks);
- ``WEEKDAY_MONTH_DAY_FORMAT``: a day when the year is obvious ("Thu 3 Dec", "12月3日 星期四");
- ``WEEKDAY_MONTH_DAY_BEFORE_TIME_FORMAT``: the same, followed by a time;
- ``LONG_DATE_FORMAT``: a day in words ("3 December 2026", "2026年12月3日");
- ``DAY_MONTH_FORMAT``: a day in words when the year is obvious ("3 December", "12月3日");
- ``SHORT_DAY_MONTH_FORMAT``: the same, short ("3 Dec", "12月3日");
- ``YEAR_FORMAT``: a year alone ("2026", "2026年").

Every name must be defined for every language in ``LANGUAGES``: Django returns an unknown
name unchanged, and it would be read as a format string.
"""
