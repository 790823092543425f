"""News drafts: a bilingual article about one activity or a period, every fact linking back to
its record, and a text version whose links are footnotes."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from amity.core.figures import Period
from amity.events.models import Attendance
from amity.reports import news
from tests.reports.docs_fakes import fake_figures  # noqa: F401

pytestmark = pytest.mark.django_db


def _links(html: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)}


def test_news_article_for_one_activity_tells_who_with_whom_when_how_many(fake_figures):  # noqa: F811
    draft = news.record_draft("activity", "7")
    english, chinese = draft.articles
    assert english.language == "en" and chinese.language == "zh-hans"
    assert english.headline_text == (
        "Endocrinology and Stanford Medicine: “Remote International Classroom”"
    )
    first, counts = ("".join(s.text for s in p) for p in english.paragraphs)
    assert first == (
        "On 17 April 2026, Endocrinology held “Remote International Classroom”, lecture. "
        "It brought together colleagues of Stanford Medicine (United States)."
    )
    assert counts == "1 session was held. 812 people registered and 640 took part."
    linked = {s.text: s.url for p in english.paragraphs for s in p if s.url}
    assert linked == {
        "Endocrinology": "/directory/departments/3/",
        "Remote International Classroom": "/events/activities/7/",
        "lecture": "/events/activities/7/",
        "Stanford Medicine": "/directory/institutions/9/",
        "1": "/events/activities/7/",
        "812": "/activities/7/registrants/",
        "640": "/activities/7/attendance/",
    }
    assert "2026年4月17日" in "".join(s.text for s in chinese.paragraphs[0])


def test_news_text_version_turns_links_into_footnotes(fake_figures):  # noqa: F811
    text = news.as_text(news.record_draft("activity", "7"), base="https://amity.example/")
    english = text.split("\n\n----\n\n")[0]
    assert "812[4] people registered and 640[5] took part." in english
    assert "[3] https://amity.example/events/activities/7/" in english
    assert "[2] https://amity.example/directory/institutions/9/" in english
    assert "<a" not in text


def test_news_page_for_an_activity_links_every_fact(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    html = client.get(reverse("reports:news_record", args=["activity", "7"])).content.decode()
    assert 'data-testid="news-en"' in html and 'data-testid="news-zh-hans"' in html
    links = _links(html)
    assert links["812"] == "/activities/7/registrants/"
    assert links["Stanford Medicine"] == "/directory/institutions/9/"
    text = client.get(reverse("reports:news_record_text", args=["activity", "7"]))
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert "[1] http://testserver/" in text.content.decode()
    assert client.get(reverse("reports:news_record", args=["activity", "99"])).status_code == 404
    assert client.get(reverse("reports:news_record", args=["nothing", "7"])).status_code == 404


def test_news_page_for_a_period_lists_its_activities(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    html = client.get(reverse("reports:news"), {"year": 2026}).content.decode()
    assert "International exchange in 2026" in html
    assert '“<a href="/events/activities/7/">Remote International Classroom</a>”' in html
    assert reverse("reports:news_record", args=["activity", "7"]) in html
    html = client.get(reverse("reports:news"), {"year": 2020}).content.decode()
    assert "Nothing was recorded in this period." in html


def test_news_is_refused_to_partner_contacts(client, world, fake_figures):  # noqa: F811
    client.force_login(world.partner_contact)
    assert client.get(reverse("reports:news")).status_code == 403
    assert client.get(reverse("reports:news_record", args=["activity", "7"])).status_code == 403
    assert client.get(reverse("reports:news_text")).status_code == 403


def test_news_from_a_real_activity(client, world, lecture):
    """The registrations app's story source: a held session with its partner and attendance."""
    lecture.partners.add(world.partner)
    session = lecture.sessions.get()
    past = timezone.now() - dt.timedelta(days=3)
    session.starts_at, session.ends_at = past, past + dt.timedelta(minutes=90)
    session.save()
    Attendance.objects.create(session=session, person=world.rehab_colleague, present=True)
    draft = news.record_draft("activity", str(lecture.pk))
    english = draft.articles[0]
    text = " ".join("".join(s.text for s in p) for p in english.paragraphs)
    assert "Rehabilitation held “Remote International Classroom”, lecture." in text
    assert "colleagues of Loma Linda University (United States of America)" in text
    assert "1 session was held, 1.5 hours in all. 1 person took part." in text
    chinese = " ".join("".join(s.text for s in p) for p in draft.articles[1].paragraphs)
    assert "康复科" in chinese
    links = {s.text: s.url for p in english.paragraphs for s in p if s.url}
    assert links["Loma Linda University"] == world.partner.get_absolute_url()
    assert links["Rehabilitation"] == world.rehab.get_absolute_url()
    period = Period.year(timezone.localdate(past).year)
    assert [s[2] for s in news.period_draft(period).stories] == [str(lecture.pk)]


def test_news_every_linked_fact_opens_its_record_on_the_demo(client, demo):
    """On the demo, each link of a period's draft and of its first activity's draft opens a
    page for the office (no dead link)."""
    from amity.accounts.models import User

    client.force_login(User.objects.get(username="office"))
    today = timezone.localdate()
    # The most recent year in which the demo held activities.
    draft = next(
        d
        for year in range(today.year, 2018, -1)
        if (d := news.period_draft(Period.year(year))).stories
    )
    record = news.record_draft(draft.stories[0][1], draft.stories[0][2])
    urls = {
        segment.url
        for d in (draft, record)
        for article in d.articles
        for part in (article.headline, *article.paragraphs)
        for segment in part
        if segment.url
    }
    assert len(urls) >= 4
    for url in sorted(urls):
        assert client.get(url).status_code == 200, url
