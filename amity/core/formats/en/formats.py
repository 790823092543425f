"""English: Django's own formats, plus Amity's named ones (see ``amity.core.formats``)."""

WEEKDAY_DATE_FORMAT = "D j M Y"  # Thu 3 Dec 2026
WEEKDAY_DATETIME_FORMAT = "D j M Y, H:i"  # Thu 3 Dec 2026, 14:30
WEEKDAY_DATE_BEFORE_TIME_FORMAT = "D j M Y,"  # Thu 3 Dec 2026, (then 14:30)
WEEKDAY_MONTH_DAY_FORMAT = "D j M"  # Thu 3 Dec
WEEKDAY_MONTH_DAY_BEFORE_TIME_FORMAT = "D j M,"  # Thu 3 Dec, (then 14:30)
LONG_DATE_FORMAT = "j F Y"  # 3 December 2026
DAY_MONTH_FORMAT = "j F"  # 3 December
SHORT_DAY_MONTH_FORMAT = "j M"  # 3 Dec
YEAR_FORMAT = "Y"  # 2026
