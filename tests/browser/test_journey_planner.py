import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amity.scheduling.forms import default_first_date
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
    first_week = default_first_date(timezone.localdate())
    page.get_by_label("First week starts").fill(first_week.isoformat())
    page.get_by_role("spinbutton", name="Weeks:", exact=True).fill("12")
    page.get_by_label("Compare with").fill("04:00 Asia/Shanghai")
    page.get_by_role("button", name="Plan", exact=True).click()

    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_contain_text("Amity's plan proven optimal")
    expect(comparison).to_contain_text("Every week at 04:00 Asia/Shanghai")
    costs = [float(c) for c in comparison.get_by_test_id("max-cost").all_inner_texts()]
    assert costs[0] < costs[-1]  # fairer than 4 am in Beijing every week
    expect(page.get_by_test_id("explain")).to_contain_text("Hangzhou")
    expect(page.locator("svg.chart:not(.pace) polyline")).to_have_count(3)
    assert _fields_without_a_name(page) == []
    # On a phone the weekly table scrolls inside its card; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    weeks = page.get_by_test_id("weeks")
    assert weeks.evaluate("t => t.parentElement.scrollWidth > t.parentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_test_id("accept").click()
    expect(page.get_by_text("12 sessions were added at the planned times.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/activities/{cicu.pk}/$"))
    expect(page.get_by_test_id("session")).to_have_count(6 + 12)


def _fields_without_a_name(page) -> list[str]:
    """The planner form's inputs and selects that assistive technology cannot name: no
    <label for>, aria-label or aria-labelledby with text."""
    return page.locator("form.card-form").evaluate(
        """form => [...form.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter(field => {
                const labelled = [...field.labels].some(label => label.textContent.trim());
                const aria = (field.getAttribute("aria-label") || "").trim();
                const by = (field.getAttribute("aria-labelledby") || "").split(/\\s+/)
                    .some(id => id && document.getElementById(id)?.textContent.trim());
                return !(labelled || aria || by);
            })
            .map(field => field.name)"""
    )
