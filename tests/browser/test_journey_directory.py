import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_office_staff_logs_in_finds_a_partner_and_opens_its_page(world, page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(world.office.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Wang Lina")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Institutions").click()
    page.get_by_label("Search").fill("Loma")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="Loma Linda University").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Loma Linda University")
    expect(page.get_by_text("America/Los_Angeles")).to_be_visible()
    expect(page.get_by_role("link", name="Emily Carter")).to_be_visible()


def test_interface_switches_to_simplified_chinese_and_back(world, page):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录 Amity")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Amity")


def test_partner_contact_cannot_open_another_partners_page(world, page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.partner_contact.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Loma Linda University")).to_be_visible()
    page.goto(world.other_partner.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("This page does not exist")
