"""Simplified Chinese: year, month, day, then the weekday (2026年12月3日 星期四), times on
the 24-hour clock. Django's own Chinese formats apart from the ones below."""

# Django writes 09月5日; a Chinese office writes 9月5日.
MONTH_DAY_FORMAT = "n月j日"
# The ISO form first, as date inputs need it (see amity.core.widgets); Django's other
# Chinese forms are still read.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]

WEEKDAY_DATE_FORMAT = "Y年n月j日 l"  # 2026年12月3日 星期四
WEEKDAY_DATETIME_FORMAT = "Y年n月j日 l H:i"  # 2026年12月3日 星期四 14:30
WEEKDAY_DATE_BEFORE_TIME_FORMAT = "Y年n月j日 l"  # 2026年12月3日 星期四 (then 14:30)
WEEKDAY_MONTH_DAY_FORMAT = "n月j日 l"  # 12月3日 星期四
WEEKDAY_MONTH_DAY_BEFORE_TIME_FORMAT = "n月j日 l"  # 12月3日 星期四 (then 14:30)
LONG_DATE_FORMAT = "Y年n月j日"  # 2026年12月3日
DAY_MONTH_FORMAT = "n月j日"  # 12月3日
SHORT_DAY_MONTH_FORMAT = "n月j日"  # 12月3日
YEAR_FORMAT = "Y年"  # 2026年
