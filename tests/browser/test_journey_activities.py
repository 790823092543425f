import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_open_the_cicu_call_switch_the_zone_and_see_the_times_change(
    world, cicu, browser, live_server
):
    # The browser reports Beijing time; the page shows times there without being asked.
    context = browser.new_context(
        base_url=live_server.url, timezone_id="Asia/Shanghai", locale="en-US"
    )
    page = context.new_page()
    try:
        _log_in(page, world.staff)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities").click()
        page.get_by_role("link", name="CICU Response weekly call").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("CICU Response weekly call")

        first = page.get_by_test_id("session").first
        expect(first.get_by_test_id("viewer-time")).to_have_text("Thu 4 Mar 2027, 05:00–06:00")
        expect(first.get_by_test_id("organiser-time")).to_contain_text(
            "Wed 3 Mar, 16:00–17:00 New York"
        )
        after_us_change = page.get_by_test_id("session").nth(2)
        expect(after_us_change.get_by_test_id("viewer-time")).to_have_text(
            "Thu 18 Mar 2027, 04:00–05:00"
        )
        expect(page.get_by_test_id("site-times")).to_contain_text(
            "from 18 March, 1 h earlier in Hangzhou"
        )

        page.get_by_label("Show times in").select_option("America/New_York")
        page.get_by_role("button", name="Change").click()
        expect(first.get_by_test_id("viewer-time")).to_have_text("Wed 3 Mar 2027, 16:00–17:00")
        expect(after_us_change.get_by_test_id("viewer-time")).to_have_text(
            "Wed 17 Mar 2027, 16:00–17:00"
        )
        expect(first.get_by_test_id("organiser-time")).to_have_count(0)

        # The choice is remembered on the next page.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities").click()
        expect(page.get_by_test_id("viewer-time").first).to_have_text("Wed 3 Mar 2027, 16:00–17:00")
    finally:
        context.close()
