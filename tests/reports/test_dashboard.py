"""The dashboard and a figure's page: who may see them (office staff and hospital leaders, no
one else), what they show for a period against the one before, Chinese that reads natively,
and the exports read back as a spreadsheet program would."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from openpyxl import load_workbook

from amity.accounts.models import Role
from amity.core import figures
from amity.core.figures import Period
from amity.events import services, timing
from amity.registrations.models import Registration
from tests.conftest import person_with_login

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/"


@pytest.fixture
def leader(world):
    """A hospital leader: a staff member in the "Hospital leaders" group."""
    user = person_with_login(
        Role.STAFF, family_name="Fu", given_name="Junfen", institution=world.home
    )
    group = Group.objects.create(name="Hospital leaders")
    group.permissions.add(Permission.objects.get(codename="view_reports"))
    user.groups.add(group)
    return user


def _session(activity, when: dt.datetime, minutes: int = 90):
    return services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(when, "Asia/Shanghai"),
        duration_minutes=minutes,
        time_zone="Asia/Shanghai",
    )


@pytest.fixture
def exchanges(world):
    """Two lectures with Loma Linda in 2026 Q1 (one of them twice), one in 2025 Q4 with
    Great Ormond Street, and a cancelled one that counts nowhere."""
    first = services.activity_create(
        fields={
            "title": '=HYPERLINK("http://evil")',
            "kind": "lecture",
            "status": "held",
            "department": world.rehab,
        }
    )
    first.partners.add(world.partner)
    _session(first, dt.datetime(2026, 1, 14, 8, 0))
    _session(first, dt.datetime(2026, 2, 11, 8, 0), minutes=60)
    second = services.activity_create(
        fields={"title": "Paediatric rehabilitation forum", "kind": "forum", "status": "held"}
    )
    second.partners.add(world.partner)
    _session(second, dt.datetime(2026, 3, 31, 20, 0), minutes=120)
    earlier = services.activity_create(
        fields={"title": "Cardiology call", "kind": "call", "department": world.cardiology}
    )
    earlier.partners.add(world.other_partner)
    _session(earlier, dt.datetime(2025, 11, 5, 9, 0), minutes=45)
    cancelled = services.activity_create(
        fields={"title": "Cancelled visit", "kind": "lecture", "status": "cancelled"}
    )
    _session(cancelled, dt.datetime(2026, 2, 1, 9, 0))
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    for i, (country, profession) in enumerate([("US", "nurse"), ("US", "physician"), ("GB", "")]):
        Registration.objects.create(
            activity=first,
            email=f"r{i}@example.org",
            family_name=f"Registrant{i}",
            country=country,
            profession=profession,
            status="confirmed",
            consent_at=now,
            minutes_attended=50 if i < 2 else None,
        )
    return first


# --- who may see -----------------------------------------------------------------------------


ADDRESSES = [
    DASHBOARD,
    "/reports/?year=2026&quarter=1",
    "/reports/figures/events.sessions_held/?year=2026",
    "/reports/figures.csv?year=2026",
    "/reports/figures.xlsx?year=2026",
    "/reports/figures/events.sessions_held/items.csv?year=2026",
    "/reports/figures/events.sessions_held/items.xlsx?year=2026",
]


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize(
    "role", ["office", "leader", "coordinator", "staff", "partner", "anonymous"]
)
def test_only_office_staff_and_leaders_reach_the_reports(world, leader, login, role, address):
    user = leader if role == "leader" else world.user(role)
    response = login(user).get(address)
    if role in {"office", "leader"}:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"] or "login" in response["Location"]
    else:
        assert response.status_code == 403


def test_a_partner_contact_given_the_permission_is_still_refused(world, login):
    contact = world.partner_contact
    contact.user_permissions.add(Permission.objects.get(codename="view_reports"))
    assert login(contact).get(DASHBOARD).status_code == 403


def test_the_nav_link_shows_only_to_those_who_may_see(world, leader, login):
    link = 'href="/reports/"'
    assert link in login(world.office).get("/").content.decode()
    assert link in login(leader).get("/").content.decode()
    assert link not in login(world.staff).get("/").content.decode()
    assert link not in login(world.partner_contact).get("/").content.decode()


# --- what the dashboard shows ------------------------------------------------------------------


def _card(html: str, key: str) -> str:
    start = html.index(f'data-figure="{key}"')
    return html[start : html.index("</article>", start)]


def test_the_dashboard_compares_a_quarter_with_the_one_before(world, exchanges, login):
    html = login(world.office).get("/reports/?year=2026&quarter=1").content.decode()
    assert "2026 Q1 (1 January 2026 – 31 March 2026), compared with 2025 Q4." in html
    sessions = _card(html, "events.sessions_held")
    assert re.search(r'data-testid="value-events.sessions_held">3<', sessions)
    assert "2025 Q4: 1" in sessions
    assert (
        '<span class="trend trend-1" data-testid="difference-events.sessions_held">+2</span>'
        in sessions
    )
    assert "A session counts as held when it starts within the period" in sessions
    assert 'href="/reports/figures/events.sessions_held/?year=2026&amp;quarter=1"' in sessions
    hours = _card(html, "events.hours")
    assert ">4.50<" in hours and "hours" in hours
    engaged = _card(html, "directory.institutions_engaged")
    assert re.search(r'institutions_engaged">1<', engaged)
    assert "2025 Q4: 1" in engaged and "±0" in engaged
    activities = _card(html, "events.activities")
    assert '<td>Lecture</td><td class="num">1</td>' in activities
    assert '<td>Forum or conference</td><td class="num">1</td>' in activities
    registrants = _card(html, "registrations.registrants")
    assert '<td>United States of America</td><td class="num">2</td>' in registrants
    departments = _card(html, "events.departments")
    assert re.search(r'departments">1<', departments)


def test_a_figure_page_lists_what_is_behind_the_number(world, exchanges, login):
    html = (
        login(world.office)
        .get("/reports/figures/events.activities/?year=2026&quarter=1")
        .content.decode()
    )
    assert 'data-testid="value">2<' in html
    assert "2 items behind this number" in html
    assert "Paediatric rehabilitation forum" in html
    assert f'href="/activities/{exchanges.pk}/"' in html or exchanges.get_absolute_url() in html
    assert "Cancelled visit" not in html
    assert "An activity counts as held in the period" in html


def test_an_unknown_figure_is_not_found(world, login):
    assert login(world.office).get("/reports/figures/events.nothing/").status_code == 404


def test_a_period_that_is_not_one_says_so_and_shows_this_year(world, login):
    response = login(world.office).get("/reports/?year=2026&quarter=5")
    assert response.status_code == 400
    assert "A quarter is 1, 2, 3 or 4." in response.content.decode()
    response = login(world.office).get("/reports/?start=2026-03-01&end=2026-01-01")
    assert "The end date comes before the start date." in response.content.decode()


def test_dates_compare_with_as_many_days_just_before(world, exchanges, login):
    html = login(world.office).get("/reports/?start=2026-02-01&end=2026-03-31").content.decode()
    assert "1 February 2026 – 31 March 2026" in html
    assert "compared with 4 December 2025 – 31 January 2026" in html


# --- Chinese -----------------------------------------------------------------------------------


def test_the_dashboard_reads_natively_in_chinese(world, exchanges, login):
    client = login(world.office)
    html = client.get(
        "/reports/?year=2026&quarter=1", headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "2026年第一季度" in html
    assert "2026年1月1日–2026年3月31日" in html
    assert "2025年第四季度" in html
    assert "美国" in html  # the breakdown's country, in Chinese
    html = client.get(
        "/reports/?year=2025", headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "2025年" in html and "2024年" in html


# --- exports -----------------------------------------------------------------------------------


def test_all_figures_export_as_csv_and_xlsx(world, exchanges, login):
    client = login(world.office)
    response = client.get("/reports/figures.csv?year=2026&quarter=1")
    assert response["Content-Type"].startswith("text/csv")
    assert "figures-2026-01-01-2026-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Section", "Figure", "Key", "2026 Q1", "2025 Q4", "Difference"]
    by_key = {row[2]: row for row in rows[1:]}
    assert set(by_key) == {figure.key for figure in figures.registered()}
    assert by_key["events.sessions_held"][3:6] == ["3", "1", "2"]
    assert by_key["events.hours"][3] == "4.50"
    assert by_key["events.sessions_held"][7].startswith("A session counts as held")

    response = client.get("/reports/figures.xlsx?year=2026&quarter=1")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["events.sessions_held"][3:6] == (3, 1, 2)
    assert float(values["events.hours"][3]) == 4.5


def test_a_figure_list_exports_formula_safe_with_links(world, exchanges, login):
    client = login(world.office)
    response = client.get("/reports/figures/events.activities/items.csv?year=2026&quarter=1")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Item", "Kind", "Organising department", "Sessions held", "Link"]
    assert len(rows) - 1 == figures.get("events.activities").value(Period.quarter(2026, 1)) == 2
    titles = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in titles  # neutralised, not run
    assert all(row[-1].startswith("http://testserver/") for row in rows[1:])

    response = client.get("/reports/figures/events.hours/items.xlsx?year=2026&quarter=1")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *data = list(sheet.iter_rows(values_only=True))
    assert header[-2:] == ("hours", "Link")
    assert sum(float(row[-2]) for row in data) == 4.5
    assert data[0][0].startswith("'=HYPERLINK")


def test_an_unknown_export_format_is_not_found(world, login):
    assert login(world.office).get("/reports/figures.pdf").status_code == 404
