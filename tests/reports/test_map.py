"""The world map: country outlines read from the installed package, colours and a table from
the figures' country breakdowns, a title per country in the page's language, and the pages'
permissions."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import amity
from amity.core.figures import Period
from amity.reports import maps
from tests.reports.docs_fakes import fake_figures  # noqa: F401

pytestmark = pytest.mark.django_db


def test_map_shapes_come_from_the_installed_package_not_the_repository():
    """The outlines are read from pygal_maps_world's file at run time; none ship with Amity."""
    path = maps.shapes_file()
    assert path.name == "worldmap.svg" and "pygal_maps_world" in str(path)
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    package = Path(amity.__file__).parent
    assert not list(package.rglob("*worldmap*"))
    shapes = maps.world_shapes()
    assert {"CN", "US", "GB", "FR", "KE", "BR", "AU"} <= set(shapes.countries)
    # Simplified: far smaller than the package's megabyte of path data, still outlines.
    total = sum(len(s.d) for s in shapes.countries.values())
    assert 50_000 < total < 300_000
    assert shapes.countries["CN"].d.startswith("M") and shapes.countries["CN"].d.endswith("z")
    # Singapore is a dot at this scale: it keeps the package's marker.
    assert shapes.countries["SG"].marker is not None


def test_map_path_rings_follow_relative_and_absolute_commands():
    rings = maps.path_rings("m 10,10 c 1,1 2,2 5,0 l 0,5 -5,0 z M 100,100 L 110,100 h 5 v 5 z")
    assert rings == [
        [(10.0, 10.0), (15.0, 10.0), (15.0, 15.0), (10.0, 15.0)],
        [(100.0, 100.0), (110.0, 100.0), (115.0, 100.0), (115.0, 105.0)],
    ]


def test_map_colour_classes_split_the_values_into_at_most_five():
    assert maps.colour_classes([0, 3, 1, 3]) == [(1, 1), (3, 3)]
    classes = maps.colour_classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40, 100])
    assert len(classes) == 5
    assert classes[0][0] == 1 and classes[-1][1] == 100
    # Classes follow each other without overlap.
    for (low, high), (next_low, _next_high) in zip(classes, classes[1:], strict=False):
        assert low <= high < next_low


def test_map_colours_each_country_and_titles_it_with_its_figures(fake_figures):  # noqa: F811
    world = maps.build_map(Period.year(2026))
    assert [m.key for m in world.measures] == ["fake.institutions"]
    rows = {row.code: row for row in world.rows}
    assert rows["US"].values == (6,) and rows["GB"].values == (3,)
    assert [row.code for row in world.rows][:3] == ["US", "GB", "SG"]
    # Four distinct values (1, 2, 3, 6): one class each, the darkest for the United States.
    assert [c.label for c in world.classes] == ["1", "2", "3", "6"]
    assert rows["US"].colour_class == 4 and rows["KE"].colour_class == 1
    svg = str(world.svg)
    assert 'role="img"' in svg and "aria-label=" in svg
    us = re.search(
        r'<g class="country c4" data-country="us" fill="([^"]+)"><title>([^<]+)</title>', svg
    )
    assert us is not None
    assert us.group(1) == maps.CLASS_COLOURS[3]
    assert us.group(2) == "United States of America — Institutions engaged: 6"
    # A country without figures is drawn in the neutral colour with its name only.
    assert re.search(r'data-country="br" fill="#e3e8ea"><title>Brazil</title>', svg)
    # The legend names the classes.
    assert ">none</text>" in svg and ">6</text>" in svg


def test_map_names_countries_in_the_page_language(fake_figures):  # noqa: F811
    with translation.override("zh-hans"):
        world = maps.build_map(Period.year(2026))
    names = {row.code: row.name for row in world.rows}
    assert names["US"] == "美国" and names["GB"] == "英国" and names["KE"] == "肯尼亚"
    assert "<title>美国 — " in str(world.svg)


def test_map_is_cached_per_period_and_language(fake_figures, monkeypatch):  # noqa: F811
    calls = []
    real = maps.build_map

    def counting(period, **kwargs):
        calls.append((period, translation.get_language()))
        return real(period, **kwargs)

    monkeypatch.setattr(maps, "build_map", counting)
    maps.cached_map(Period.year(2026))
    maps.cached_map(Period.year(2026))
    assert len(calls) == 1
    maps.cached_map(Period.year(2025))
    with translation.override("zh-hans"):
        maps.cached_map(Period.year(2026))
    assert len(calls) == 3


def test_map_page_shows_the_map_and_the_same_figures_in_a_table(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    response = client.get(reverse("reports:map"), {"year": 2026})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="world-map"' in html and 'data-testid="world-map-table"' in html
    table = html[html.index('data-testid="world-map-table"') :]
    assert re.search(
        r'data-country="us">\s*<th scope="row">.*United States of America</th>\s*'
        r'<td class="num">6</td>',
        table,
    )
    assert re.search(r'data-country="gb">.*?<td class="num">3</td>', table, re.S)


def test_map_page_reads_the_period_and_says_what_is_wrong(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    html = client.get(reverse("reports:map"), {"year": "2026", "quarter": "7"}).content.decode()
    assert "A quarter is 1, 2, 3 or 4." in html


def test_map_page_is_refused_to_partner_contacts_and_plain_staff(client, world):
    client.force_login(world.partner_contact)
    assert client.get(reverse("reports:map")).status_code == 403
    client.force_login(world.staff)
    assert client.get(reverse("reports:map")).status_code == 403
    client.logout()
    response = client.get(reverse("reports:map"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_map_page_on_the_domains_figures(client, world):
    """With the domains' own figures (no fakes): an activity held with Loma Linda colours the
    United States, and the table counts the institution engaged there."""
    import datetime as dt

    from django.utils import timezone

    from amity.events import services

    activity = services.activity_create(
        fields={
            "title": "PDA Management Forum",
            "kind": "forum",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        },
        partners=[world.partner],
    )
    session = services.session_create(
        activity=activity,
        starts_at=timezone.now() - dt.timedelta(days=2),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    year = timezone.localdate(session.starts_at).year
    client.force_login(world.office)
    html = client.get(reverse("reports:map"), {"year": year}).content.decode()
    world_map = maps.cached_map(Period.year(year))
    engaged = [m.key for m in world_map.measures].index("directory.institutions_engaged")
    us = next(row for row in world_map.rows if row.code == "US")
    assert us.values[engaged] == 1 and us.colour_class >= 1
    fill = re.search(r'data-country="us" fill="(#[0-9a-f]{6})"', html).group(1)
    assert fill in maps.CLASS_COLOURS
    assert "Institutions engaged" in html


def test_map_is_embedded_in_the_dashboard_with_links_to_the_documents(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    html = client.get(reverse("reports:dashboard"), {"year": 2026}).content.decode()
    assert 'data-testid="world-map"' in html and 'data-country="us"' in html
    assert f'href="{reverse("reports:map")}?year=2026"' in html
    assert f'href="{reverse("reports:annual_year", args=[2026])}"' in html
    assert f'href="{reverse("reports:news")}?year=2026"' in html


def test_map_on_the_dashboard_reuses_the_breakdowns_the_page_counted(
    client,
    world,
    fake_figures,  # noqa: F811
    monkeypatch,
):
    """The dashboard has counted each figure's breakdowns already: the map counts none again."""
    from tests.reports import docs_fakes

    calls = []
    real = docs_fakes._institutions_breakdowns

    def counting(period):
        calls.append(period)
        return real(period)

    figure = fake_figures[0]
    monkeypatch.setitem(
        __import__("amity.core.figures", fromlist=["_REGISTRY"])._REGISTRY,
        figure.key,
        type(figure)(**{**figure.__dict__, "breakdown": counting}),
    )
    client.force_login(world.office)
    html = client.get(reverse("reports:dashboard"), {"year": 2026}).content.decode()
    assert 'data-country="us"' in html
    assert calls == [Period.year(2026)]
