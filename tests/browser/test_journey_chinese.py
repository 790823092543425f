"""A Chinese office colleague's day in Amity, in a browser set to Chinese in Hangzhou."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def chinese_page(browser, live_server):
    """A browser whose language is Chinese and whose clock is Hangzhou's, 390 px wide."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _lines(locator) -> int:
    """How many lines the element's text takes on screen."""
    return locator.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }"""
    )


def test_chinese_colleague_reads_dates_titles_and_plans_a_call(world, cicu, chinese_page):
    """In Chinese the search button keeps "搜索" on one line, the activity reads
    "2027年3月4日 星期四 05:00–06:00" under its Chinese title, the form labels end in "：",
    and the planner and the session-move form, filled in by Amity, can be sent as they are."""
    cicu.title_local = "心脏重症监护室每周视频会议"
    cicu.save()
    page = chinese_page
    _log_in(page, world.office)
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎您，Wang Lina")
    search = page.get_by_role("button", name="搜索")
    expect(search).to_have_text("搜索")
    assert _lines(search) == 1

    page.goto(cicu.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("心脏重症监护室每周视频会议")
    expect(page.get_by_test_id("viewer-time").first).to_have_text("2027年3月4日 星期四 05:00–06:00")
    expect(page.get_by_test_id("organiser-time").first).to_have_text(
        " · 3月3日 星期三 16:00–17:00 纽约"
    )

    page.get_by_role("link", name="公平规划例会时间").click()
    expect(page.locator("label[for=id_weeks]")).to_have_text("周数：")
    expect(page.get_by_label("首周开始日期")).to_have_value(ISO_DATE)
    page.get_by_label("周数").fill("8")
    page.get_by_role("button", name="规划", exact=True).click()
    expect(page.get_by_test_id("comparison")).to_be_visible()

    page.goto(cicu.get_absolute_url())
    page.get_by_role("link", name="改期").first.click()
    expect(page.get_by_label("日期")).to_have_value("2027-03-03")
    expect(page.get_by_label("时间：", exact=True)).to_have_value("16:00")
    page.get_by_label("时间：", exact=True).fill("17:00")
    page.get_by_role("button", name="改期").click()
    expect(page.get_by_text("场次已改期。")).to_be_visible()
    expect(page.get_by_test_id("viewer-time").first).to_have_text("2027年3月4日 星期四 06:00–07:00")
