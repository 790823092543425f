import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_plan_the_cicu_call_compare_with_4am_beijing_accept_and_see_the_series(world, cicu, page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.office.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(cicu.get_absolute_url())
    page.get_by_role("link", name="Plan fair call times").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan the call times")
    page.get_by_label("First week starts").fill("2026-03-04")
    page.get_by_label("Weeks").fill("12")
    page.get_by_label("Compare with").fill("04:00 Asia/Shanghai")
    page.get_by_role("button", name="Plan", exact=True).click()

    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_contain_text("Amity's plan proven optimal")
    expect(comparison).to_contain_text("Every week at 04:00 Asia/Shanghai")
    costs = [float(c) for c in comparison.get_by_test_id("max-cost").all_inner_texts()]
    assert costs[0] < costs[-1]  # fairer than 4 am in Beijing every week
    expect(page.get_by_test_id("explain")).to_contain_text("Hangzhou")
    expect(page.locator("svg.chart polyline")).to_have_count(3)

    page.get_by_test_id("accept").click()
    expect(page.get_by_text("12 sessions were added at the planned times.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/activities/{cicu.pk}/$"))
    expect(page.get_by_test_id("session")).to_have_count(6 + 12)
