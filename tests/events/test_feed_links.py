"""The agenda, month and week pages offer the calendar feeds (webcal:// to subscribe, https
to download), as the activity page does: the viewer's own feed, the public one, and the
department's when the agenda is filtered by one. Each department's page links its feed."""

import re

import pytest
from django.urls import reverse

from amity.events import services

pytestmark = pytest.mark.django_db

PUBLIC = ("webcal://testserver/calendar/public.ics", "http://testserver/calendar/public.ics")


def _links(response) -> list[tuple[str, str]]:
    """(text, href) of every link on the page, text without tags and spaces squeezed."""
    assert response.status_code == 200
    html = response.content.decode()
    return [
        (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip(), href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    ]


def _feed_hrefs(response) -> list[str]:
    return [href for _, href in _links(response) if href.startswith("webcal:") or ".ics" in href]


@pytest.mark.parametrize("page", ["events:agenda", "events:month", "events:week"])
def test_calendar_pages_link_the_public_feed_and_the_viewers_own(world, client, page):
    """Without a personal link: the public feed. With one: the viewer's feed first."""
    client.force_login(world.staff)
    assert _feed_hrefs(client.get(reverse(page))) == list(PUBLIC)

    token = services.calendar_token_renew(user=world.staff)
    personal = f"testserver/calendar/personal/{token.key}.ics"
    assert _feed_hrefs(client.get(reverse(page))) == [
        f"webcal://{personal}",
        f"http://{personal}",
        *PUBLIC,
    ]


@pytest.mark.parametrize("page", ["events:agenda", "events:month", "events:week"])
def test_calendar_pages_filtered_by_a_department_link_its_feed(world, client, page):
    """Filtered by rehabilitation: its feed (public activities only until the viewer has a
    personal link; then everything of the department they may see, through their key)."""
    client.force_login(world.staff)
    url = f"{reverse(page)}?department={world.rehab.pk}"
    department = "testserver/calendar/department/rehabilitation.ics"
    links = _links(client.get(url))
    assert [href for _, href in links if "/calendar/department/" in href] == [
        f"webcal://{department}",
        f"http://{department}",
    ]
    assert "Rehabilitation calendar (public activities only)" in client.get(url).text

    token = services.calendar_token_renew(user=world.staff)
    response = client.get(url)
    assert [href for _, href in _links(response) if "/calendar/department/" in href] == [
        f"webcal://{department}?key={token.key}",
        f"http://{department}?key={token.key}",
    ]
    assert "Rehabilitation calendar (public activities only)" not in response.text


def test_department_page_links_its_feed_and_its_activities(world, client):
    """The department's page offers its feed and its activities on the agenda."""
    client.force_login(world.staff)
    links = _links(client.get(world.rehab.get_absolute_url()))
    department = "testserver/calendar/department/rehabilitation.ics"
    assert ("Subscribe in your calendar", f"webcal://{department}") in links
    assert ("Download (.ics)", f"http://{department}") in links
    assert ("Its activities", f"/activities/?department={world.rehab.pk}") in links
