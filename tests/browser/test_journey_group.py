"""A partner hospital's coordinator registers their team from a spreadsheet in a real browser:
the first table has a bad row, which the page names; the corrected table registers
everyone, and each person's own email arrives at a real SMTP server."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from amity.events import services as event_services
from amity.events import timing
from amity.registrations import services
from amity.registrations.models import Registration
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "姓名,拼音,邮箱,职业\n"
FU = "傅君芬,FU Junfen,fu.junfen@lluh.example.org,医生\n"
LI = "李娜,Li Na,li.na@lluh.example.org,护士\n"
CHEN_BAD = "陈静,Chen Jing,chen.jing(at)lluh.example.org,Therapist\n"
CHEN = "陈静,Chen Jing,chen.jing@lluh.example.org,Therapist\n"


@pytest.fixture
def lecture_with_partner(world):
    activity = event_services.activity_create(
        fields={
            "title": "Remote Classroom: Paediatric Endocrinology",
            "kind": "webinar",
            "status": "confirmed",
            "visibility": "partners",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    activity.partners.add(world.partner)
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 5, 8, 8, 0), "Asia/Shanghai"),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(activity=activity, fields={"capacity": 2})
    return activity


def test_a_coordinator_fixes_the_bad_row_registers_the_team_and_everyone_gets_mail(
    world, lecture_with_partner, page, live_server, smtp_server, run_worker, settings, tmp_path
):
    settings.AMITY_SITE_URL = live_server.url
    bad = tmp_path / "team.csv"
    bad.write_bytes((HEADER + FU + LI + CHEN_BAD).encode("gb18030"))
    good = tmp_path / "team-corrected.csv"
    good.write_bytes((HEADER + FU + LI + CHEN).encode("gb18030"))

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.partner_contact.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(lecture_with_partner.get_absolute_url())
    page.get_by_role("link", name="Register a team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Register a team for Remote Classroom: Paediatric Endocrinology"
    )
    expect(page.get_by_test_id("team")).to_have_text("Team: Loma Linda University")

    page.get_by_label("Or upload it (CSV or Excel)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the table").click()
    expect(page.get_by_test_id("problems-summary")).to_contain_text(
        "The table has 1 problem. Nothing was registered"
    )
    problem = page.get_by_test_id("problems").locator("tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("4")
    expect(problem).to_contain_text("邮箱")
    expect(problem).to_contain_text("“chen.jing(at)lluh.example.org” is not an email address.")
    assert Registration.objects.count() == 0

    page.get_by_label("Or upload it (CSV or Excel)").set_input_files(str(good))
    page.get_by_role("button", name="Check the table").click()
    expect(page.get_by_role("heading", name="3 people ready to register")).to_be_visible()
    expect(page.get_by_test_id("people")).to_contain_text("傅君芬 (FU Junfen)")
    page.get_by_label(
        "Everyone in this table has read the privacy notice and agrees to it."
    ).check()
    page.get_by_role("button", name="Register 3 people").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Team registered: Loma Linda University"
    )
    expect(page.get_by_test_id("summary")).to_contain_text(
        "2 registered, 1 on the waiting list, 0 already registered before."
    )
    rows = page.get_by_test_id("registered").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("傅君芬 (FU Junfen)")
    expect(rows.nth(0)).to_contain_text("Confirmed")
    expect(rows.nth(2)).to_contain_text("On the waiting list")

    run_worker()
    run_worker()
    received = sorted((m["To"], m["Subject"].strip()) for m in smtp_server.messages)
    title = "Remote Classroom: Paediatric Endocrinology"
    assert received == [
        ("chen.jing@lluh.example.org", f"You are on the waiting list: {title}"),
        ("fu.junfen@lluh.example.org", f"You are registered: {title}"),
        ("li.na@lluh.example.org", f"You are registered: {title}"),
    ]
    links = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp_server.messages}
    own = Registration.objects.get(email="li.na@lluh.example.org").get_absolute_url()
    assert own in links["li.na@lluh.example.org"]
    assert own not in links["fu.junfen@lluh.example.org"]
