"""The activity pages read as written in Chinese: dates in the Chinese order, Chinese
titles and department names, while the English pages keep their English forms."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def reader(client, world):
    """The office's login, reading in a language and in Hangzhou's time zone."""

    def _read(language: str, user=None):
        client.force_login(user or world.office)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.cookies["amity_tz"] = "Asia/Shanghai"
        return client

    return _read


@pytest.fixture
def titled(cicu, lecture):
    """Both activities carry a Chinese title."""
    cicu.title_local = "心脏重症监护室每周视频会议"
    cicu.save()
    lecture.title_local = "远程国际课堂"
    lecture.save()
    return cicu, lecture


def test_chinese_activity_page_dates_in_chinese_order(reader, cicu):
    """The activity page says "2027年3月4日 星期四 05:00–06:00 上海" with the organiser's
    "3月3日 星期三 16:00–17:00 纽约" beside it, the sites' clock changes "自3月18日起", and
    the partners are listed with "、"."""
    text = _text(reader("zh-hans").get(cicu.get_absolute_url()))
    assert "2027年3月4日 星期四 05:00–06:00 上海 · 3月3日 星期三 16:00–17:00 纽约" in text
    assert "星期四 3 三月" not in text
    assert "自3月18日起，Hangzhou 早 1 小时" in text and "18 三月" not in text
    assert "联合 Great Ormond Street Hospital、Loma Linda University" in text


def test_chinese_agenda_and_home_dates_in_chinese_order(reader, titled):
    """The agenda and the public agenda list sessions as "2027年4月17日 星期六 08:00–09:30",
    the home page's "coming up" as "2027年3月4日 星期四 05:00–06:00"."""
    client = reader("zh-hans")
    for url in (reverse("events:agenda"), reverse("events:public_agenda")):
        assert "2027年4月17日 星期六 08:00–09:30" in _text(client.get(url)), url
    home = _text(client.get(reverse("home:home")))
    assert "2027年3月4日 星期四 05:00–06:00 上海 · 3月3日 星期三 16:00–17:00 纽约" in home


def test_chinese_week_view_dates_in_chinese_order(reader, cicu):
    """The week view is headed by the week's Monday as "2027年3月1日" and each day as
    "3月4日 星期四"."""
    text = _text(reader("zh-hans").get(reverse("events:week"), {"start": "2027-03-03"}))
    assert "2027年3月1日起的一周" in text
    assert "3月4日 星期四" in text


def test_chinese_month_view_reads_year_and_month(reader, cicu):
    """The month view is headed "2027年3月", its columns by the weekdays' Chinese names."""
    text = _text(reader("zh-hans").get(reverse("events:month"), {"month": "2027-03"}))
    assert "2027年3月" in text
    assert "三月 2027" not in text
    assert "星期一 星期二 星期三 星期四 星期五 星期六 星期日" in text


def test_english_pages_keep_english_dates(reader, cicu):
    """In English the same pages read "Thu 4 Mar 2027, 05:00–06:00", "Week of 1 March
    2027", "March 2027"."""
    client = reader("en")
    text = _text(client.get(cicu.get_absolute_url()))
    assert "Thu 4 Mar 2027, 05:00–06:00 Shanghai · Wed 3 Mar, 16:00–17:00 New York" in text
    assert "from 18 March, 1 h earlier in Hangzhou" in text
    text = _text(client.get(reverse("events:week"), {"start": "2027-03-03"}))
    assert "Week of 1 March 2027" in text and "Thu 4 Mar" in text
    text = _text(client.get(reverse("events:month"), {"month": "2027-03"}))
    assert "March 2027" in text and "Mon Tue Wed Thu Fri Sat Sun" in text


def test_chinese_pages_show_chinese_titles_and_departments(reader, titled):
    """Where a Chinese title and department name are stored, the Chinese pages show them:
    the activity page, the agenda, the public agenda, the home page, the week view."""
    cicu, lecture = titled
    client = reader("zh-hans")
    page = client.get(cicu.get_absolute_url())
    assert "<h1>心脏重症监护室每周视频会议</h1>" in page.content.decode()
    text = _text(page)
    assert "心内科" in text and "Cardiology" not in text
    text = _text(client.get(reverse("events:agenda")))
    assert "远程国际课堂" in text and "Remote International Classroom" not in text
    assert "康复科" in text and "Rehabilitation" not in text
    text = _text(client.get(reverse("home:home")))
    assert "心脏重症监护室每周视频会议" in text and "CICU Response" not in text
    assert "心内科" in text and "Cardiology" not in text
    text = _text(client.get(reverse("events:public_agenda")))
    assert "远程国际课堂" in text and "Remote International Classroom" not in text
    text = _text(client.get(reverse("events:week"), {"start": "2027-03-03"}))
    assert "心脏重症监护室每周视频会议" in text


def test_english_pages_show_english_titles_and_departments(reader, titled):
    """The English pages keep the English title and department name."""
    cicu, _ = titled
    client = reader("en")
    text = _text(client.get(cicu.get_absolute_url()))
    assert "CICU Response weekly call" in text and "Cardiology" in text
    text = _text(client.get(reverse("events:agenda")))
    assert "Remote International Classroom" in text and "Rehabilitation" in text
    assert "远程国际课堂" not in text
