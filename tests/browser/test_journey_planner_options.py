"""Office staff, in a browser set to Chinese, plan the CICU call with a night limit for
Hangzhou and see the Spring Festival in the weekly table."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chinese_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def test_plan_the_cicu_call_in_chinese_with_a_night_limit_and_see_the_holidays(
    world, cicu, chinese_page
):
    page = chinese_page
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(world.office.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto(reverse("scheduling:plan_call", args=[cicu.pk]))
    expect(page.locator('[name="steady"]')).to_be_checked()
    expect(page.locator('[name="holidays"]')).to_be_checked()
    page.locator('[name="first_date"]').fill("2027-02-02")
    page.locator('[name="weeks"]').fill("4")
    page.locator('[name="weekday"]').select_option("1")  # Tuesday in UTC
    page.locator('[name="min_block_weeks"]').fill("2")
    row = page.locator("table.sites tbody tr").filter(has=page.locator('input[value="Hangzhou"]'))
    expect(row.locator('[name$="-country"]')).to_have_value("CN")
    row.locator('[name$="-night_limit"]').fill("1")
    page.locator('button[value="plan"]').click()

    weeks = page.get_by_test_id("weeks")
    expect(weeks.get_by_test_id("holiday").first).to_contain_text("春节")
    expect(weeks).to_contain_text(re.compile(r"星期[一二三四五六日] \d{2}:\d{2}"))
    figures = page.get_by_test_id("sites-figures")
    hangzhou = figures.locator("tr").filter(has_text="Hangzhou")
    nights = int(hangzhou.locator("td").nth(1).inner_text())
    assert nights <= 1
    expect(page.get_by_test_id("holidays")).to_contain_text("2027年2月9日")
    expect(page.get_by_test_id("prices")).to_be_visible()
    expect(page.locator("svg.chart.pace polyline")).to_have_count(3)
