"""The office's reports in a real browser set to Chinese: the dashboard with its world map
(Chinese country names, a table beside it), the annual report's texts edited on their page,
and the annual report exported as DOCX and PDF, both read back with the edited Chinese text."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader

from amity.events import services
from amity.events.models import Attendance
from amity.reports.models import AnnualNarrative
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CHINESE_TEXT = "今年我院与美国洛马林达大学开展了线上学术交流，康复科每周连线。"


@pytest.fixture
def chinese_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _held_forum(world):
    """A forum with Loma Linda, held two days ago, with one colleague present."""
    activity = services.activity_create(
        fields={
            "title": "PDA Management Forum",
            "title_local": "动脉导管未闭管理论坛",
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
        duration_minutes=120,
        time_zone="Asia/Shanghai",
    )
    Attendance.objects.create(session=session, person=world.rehab_colleague, present=True)
    return activity, timezone.localdate(session.starts_at).year


def test_office_reads_the_map_in_chinese_edits_a_text_and_exports_the_annual_report(
    world, chinese_page
):
    _activity, year = _held_forum(world)
    page = chinese_page
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(world.office.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # --- 1. The dashboard, in Chinese, shows the world map and its table. ---
    page.goto(f"/reports/?year={year}")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    world_map = page.get_by_test_id("world-map")
    expect(world_map.locator("svg.world-map")).to_be_visible()
    table = page.get_by_test_id("world-map-table")
    expect(table.locator("tr[data-country='us'] th")).to_contain_text("美国")
    # The United States, where Loma Linda is, is coloured and titled in Chinese.
    us = world_map.locator("g.country[data-country='us']")
    assert us.get_attribute("class") != "country c0"
    assert us.locator("title").text_content().startswith("美国 — ")

    # --- 2. The annual report's texts: the office writes the breadth section in Chinese. ---
    page.get_by_test_id("report-documents").locator("a").nth(1).click()
    expect(page.get_by_test_id("narratives")).to_be_visible()
    page.locator("textarea[name='breadth-zh']").fill(CHINESE_TEXT)
    page.locator("textarea[name='breadth-en']").fill(
        "This year we exchanged online with Loma Linda University every week."
    )
    page.get_by_test_id("save-narratives").click()
    expect(page.locator("textarea[name='breadth-zh']")).to_have_value(CHINESE_TEXT)
    narrative = AnnualNarrative.objects.get(year=year, section="breadth")
    assert narrative.text_zh == CHINESE_TEXT and narrative.updated_by == world.office

    # --- 3. Both exports download and read back, Chinese first (the page is Chinese). ---
    with page.expect_download() as info:
        page.get_by_test_id("annual-docx").click()
    download = info.value
    assert download.suggested_filename == f"amity-annual-report-{year}.docx"
    document = Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert CHINESE_TEXT in text and "every week" in text
    assert text.index(CHINESE_TEXT) < text.index("every week")
    cells = {cell.text for t in document.tables for row in t.rows for cell in row.cells}
    assert "美国" in cells and "United States of America" in cells

    with page.expect_download() as info:
        page.get_by_test_id("annual-pdf").click()
    download = info.value
    assert download.suggested_filename == f"amity-annual-report-{year}.pdf"
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    pdf_text = "\n".join(p.extract_text() for p in reader.pages)
    assert CHINESE_TEXT in pdf_text.replace("\n", "")
    assert f"annual report {year}" in pdf_text
