"""Aid to a partner, from gift to thanks, in a real browser, each step by the person who
does it: a staff member records their own pledge of masks and protective clothing; the
office receives it into stock; Loma Linda's contact asks for supplies in their portal;
the office, working in Chinese, approves part of it; the office packs and ships it with
its papers; the partner confirms the receipt with a shortfall; the office thanks the
donor with a letter."""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from amity.aid.models import AidRequest, Item, Unit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HANGZHOU = ZoneInfo("Asia/Shanghai")
PLEDGE = re.compile(r"^Pledge #\d+$")


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def log_in(browser, live_server):
    """Open a browser of one's own (language English, clock Hangzhou's) and log in."""
    contexts = []

    def _log_in(user):
        context = browser.new_context(
            base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        return page

    yield _log_in
    for context in contexts:
        context.close()


@pytest.fixture
def supplies(db):
    masks = Item.objects.create(
        name="Surgical mask",
        name_local="医用外科口罩",
        pack_size=50,
        pack_name="box",
        standard="YY 0469-2011",
        hs_code="6307.90",
        unit_value="0.80",
    )
    suits = Item.objects.create(
        name="Protective clothing",
        name_local="医用防护服",
        unit=Unit.SET,
        standard="GB 19082-2009",
        hs_code="6210.10",
        unit_value="45.00",
    )
    return masks, suits


def _stock_row(page, item_name):
    """The item's row on the stock page, reached from the main menu."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    page.get_by_role("navigation", name="Aid to partners").get_by_role("link", name="Stock").click()
    return page.get_by_test_id("stock").get_by_role("row").filter(has_text=item_name)


def test_aid_goes_from_a_staff_pledge_to_the_partner_and_back_to_a_thank_you(
    world, supplies, log_in, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    needed_by = timezone.localdate() + timedelta(days=30)

    # --- 1. Shen Jie, a staff member who studied abroad, records their own pledge. ---
    staff = log_in(world.staff)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    staff.get_by_role("link", name="Record my pledge").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Record a pledge")
    expect(staff.get_by_text("You record your own pledge")).to_be_visible()
    staff.get_by_label("Item 1", exact=True).select_option(label="Surgical mask")
    staff.get_by_label("Quantity 1", exact=True).fill("20")
    staff.get_by_label("Counted in 1", exact=True).select_option(label="packs")
    staff.get_by_label("Item 2", exact=True).select_option(label="Protective clothing")
    staff.get_by_label("Quantity 2", exact=True).fill("200")
    staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("The pledge was saved.")).to_be_visible()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Shen Jie")
    lines = staff.get_by_test_id("lines")
    expect(lines.get_by_role("row").filter(has_text="Surgical mask")).to_contain_text(
        "1,000 (20 × box of 50)"
    )
    expect(lines.get_by_role("row").filter(has_text="Protective clothing")).to_contain_text("200")
    expect(staff.get_by_test_id("thanked")).to_have_text("not yet")
    # Receiving and thanking are the office's work, not the donor's.
    expect(staff.get_by_role("link", name="Receive a lot")).to_have_count(0)
    expect(staff.get_by_role("button", name="Thank the donor")).to_have_count(0)

    # --- 2. The office receives the gift into stock, lot by lot. ---
    office = log_in(world.office)
    office.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    office.get_by_role("navigation", name="Aid to partners").get_by_role(
        "link", name="Pledges"
    ).click()
    office.get_by_role("row").filter(has_text="Shen Jie").get_by_role("link", name=PLEDGE).click()
    office.get_by_role("link", name="Receive a lot").click()
    office.get_by_label("Item").select_option(label="Surgical mask")
    office.get_by_label("Quantity").fill("20")
    office.get_by_label("packs").check()
    office.get_by_label("Lot number").fill("ZJ-2020-0318")
    office.get_by_label("Expiry date").fill("2028-03-31")
    office.get_by_label("Where stored").fill("Store room B2")
    office.get_by_role("button", name="Put in stock").click()
    expect(
        office.get_by_text(
            "1,000 (20 × box of 50) of Surgical mask were received and put in stock."
        )
    ).to_be_visible()
    office.get_by_role("link", name="Receive a lot").click()
    office.get_by_label("Item").select_option(label="Protective clothing")
    office.get_by_label("Quantity").fill("200")
    office.get_by_label("Lot number").fill("FH-2020-07")
    office.get_by_label("Expiry date").fill("2027-12-31")
    office.get_by_role("button", name="Put in stock").click()
    expect(
        office.get_by_text("200 of Protective clothing were received and put in stock.")
    ).to_be_visible()
    received = office.get_by_test_id("lines").get_by_role("row")
    expect(received.filter(has_text="Surgical mask").locator("td")).to_have_text(
        ["Surgical mask", "1,000 (20 × box of 50)", "1,000 (20 × box of 50)"]
    )
    expect(received.filter(has_text="Protective clothing").locator("td")).to_have_text(
        ["Protective clothing", "200", "200"]
    )
    expect(office.get_by_test_id("lots")).to_contain_text("ZJ-2020-0318")
    masks_row = _stock_row(office, "Surgical mask")
    expect(masks_row.locator("td").nth(1)).to_have_text("1,000 (20 × box of 50)")
    expect(masks_row.locator("td").nth(2)).to_have_text("0")

    # --- 3. Loma Linda's contact asks for supplies in their portal. ---
    partner = log_in(world.partner_contact)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Our requests for aid")
    partner.get_by_role("link", name="Record a request").click()
    expect(partner.get_by_test_id("institution")).to_have_text("For Loma Linda University")
    partner.get_by_label("Urgency").select_option(label="Urgent")
    partner.get_by_label("Needed by").fill(needed_by.isoformat())
    partner.get_by_label("Delivery address").fill(
        "11234 Anderson Street, Loma Linda, CA 92354, USA"
    )
    partner.get_by_label(re.compile(r"^Consignee:?$")).fill("Emily Carter")
    partner.get_by_label("Surgical mask (units)").fill("600")
    partner.get_by_label("Protective clothing (units)").fill("100")
    partner.get_by_role("button", name="Record the request").click()
    aid_request = AidRequest.objects.get()
    expect(partner.get_by_text(f"{aid_request} was recorded.")).to_be_visible()
    expect(partner.get_by_role("heading", level=1)).to_have_text(str(aid_request))
    expect(partner.locator(".eyebrow")).to_contain_text("Submitted")
    asked = partner.get_by_test_id("request-lines").get_by_role("row")
    expect(asked.filter(has_text="Surgical mask")).to_contain_text("600 (12 × box of 50)")

    # --- 4. The office, working in Chinese, approves part of it. ---
    office.get_by_role("navigation", name="Aid to partners").get_by_role(
        "link", name="Requests"
    ).click()
    office.get_by_role("button", name="中文").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("援助需求")
    row = (
        office.get_by_test_id("requests").get_by_role("row").filter(has_text=aid_request.reference)
    )
    recorded = timezone.localtime(aid_request.created_at, HANGZHOU).date()
    expect(row).to_contain_text(_chinese_date(needed_by))
    expect(row).to_contain_text(_chinese_date(recorded))
    expect(row).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
    row.get_by_role("link", name=aid_request.reference).click()
    expect(office.get_by_test_id("request-lines")).to_contain_text("医用外科口罩")
    expect(office.get_by_test_id("request-lines")).to_contain_text("医用防护服")
    office.get_by_role("link", name="审批", exact=True).click()
    approve = office.get_by_test_id("approve-lines")
    masks_line = approve.get_by_role("row").filter(has_text="医用外科口罩")
    expect(masks_line.get_by_test_id("available")).to_have_text(re.compile(r"^1000\D"))
    expect(office.get_by_label("医用外科口罩")).to_have_value("600")
    office.get_by_label("医用外科口罩").fill("500")
    office.get_by_label("医用防护服").fill("100")
    office.get_by_role("button", name="批准并分配").click()
    expect(office.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(office.get_by_role("heading", level=1)).to_have_text(f"需求 {aid_request.reference}")
    expect(office.get_by_text(f"需求 {aid_request.reference}：部分批准。")).to_be_visible()
    approved = office.get_by_test_id("request-lines").get_by_role("row")
    expect(approved.filter(has_text="医用外科口罩")).to_contain_text("ZJ-2020-0318")
    office.get_by_role("button", name="English").click()
    expect(office.get_by_text("Partly approved").first).to_be_visible()
    expect(
        office.get_by_test_id("request-lines").get_by_role("row").filter(has_text="Surgical mask")
    ).to_contain_text("500 (10 × box of 50)")
    masks_row = _stock_row(office, "Surgical mask")
    expect(masks_row.locator("td").nth(1)).to_have_text("500 (10 × box of 50)")
    expect(masks_row.locator("td").nth(2)).to_have_text("500 (10 × box of 50)")
    expect(masks_row.locator("td").nth(3)).to_have_text("1,000 (20 × box of 50)")

    # --- 5. The office packs the approved units, adds a parcel, prints the papers, ships. ---
    office.get_by_role("navigation", name="Aid to partners").get_by_role(
        "link", name="Shipments"
    ).click()
    office.get_by_role("link", name="Prepare a shipment").click()
    office.get_by_label("Partner").select_option(label="Loma Linda University")
    office.get_by_role("button", name="Next").click()
    to_pack = office.get_by_test_id("allocations")
    to_pack.get_by_label(re.compile("Surgical mask")).check()
    to_pack.get_by_label(re.compile("Protective clothing")).check()
    office.get_by_label("Carrier").fill("EMS")
    office.get_by_label("Tracking number").fill("EA123456785CN")
    office.get_by_role("button", name="Prepare the shipment").click()
    expect(office.get_by_text(re.compile(r"was prepared\.$"))).to_be_visible()
    expect(office.locator(".eyebrow")).to_contain_text("Prepared")
    shipment_heading = office.get_by_role("heading", level=1).inner_text()
    office.get_by_role("link", name="Add a parcel").click()
    office.get_by_label("Weight").fill("18.5")
    office.get_by_label("Length").fill("60")
    office.get_by_label("Width").fill("40")
    office.get_by_label("Height").fill("40")
    office.get_by_role("button", name="Add the parcel").click()
    expect(office.get_by_test_id("total-weight")).to_have_text("18.50 kg in 1 parcel")

    with office.expect_download() as download:
        office.get_by_test_id("papers").get_by_role("link", name="Packing list (PDF)").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert download.value.suggested_filename.startswith("packing-list-")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert "HS 6307.90" in text  # the masks' HS code, for customs
    assert "Loma Linda University" in text

    office.get_by_role("link", name="Record a step").click()
    office.get_by_label("New status").select_option(label="Shipped")
    office.get_by_role("button", name="Save").click()
    expect(office.get_by_text(re.compile(r"is now shipped\.$"))).to_be_visible()
    expect(office.get_by_test_id("history")).to_contain_text("Shipped")
    masks_row = _stock_row(office, "Surgical mask")
    expect(masks_row.locator("td").nth(1)).to_have_text("500 (10 × box of 50)")
    expect(masks_row.locator("td").nth(2)).to_have_text("0")
    expect(masks_row.locator("td").nth(3)).to_have_text("500 (10 × box of 50)")

    # --- 6. The partner confirms the receipt: one box of masks never arrived. ---
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    partner.get_by_role("navigation", name="Aid to partners").get_by_role(
        "link", name="Our shipments"
    ).click()
    partner.get_by_role("link", name=shipment_heading.removeprefix("Shipment ")).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(shipment_heading)
    expect(partner.get_by_test_id("tracking")).to_have_text("EA123456785CN")
    # The consignee clears customs with the same papers the office printed.
    papers = partner.get_by_test_id("papers")
    expect(papers.get_by_role("link", name="Packing list (PDF)")).to_be_visible()
    expect(papers.get_by_role("link", name="Pro-forma invoice (PDF)")).to_be_visible()
    partner.get_by_role("link", name="Confirm receipt").click()
    partner.get_by_label("Surgical mask received").fill("450")
    partner.get_by_label("Note on Surgical mask").fill("One box was missing from the parcel.")
    partner.get_by_label("Protective clothing received").fill("100")
    partner.get_by_role("button", name="Confirm the receipt").click()
    expect(partner.get_by_text(re.compile(r"^Thank you: the receipt of"))).to_be_visible()
    expect(partner.locator(".eyebrow")).to_contain_text("Received")
    contents = partner.get_by_test_id("shipment-lines").get_by_role("row")
    masks_line = contents.filter(has_text="Surgical mask")
    expect(masks_line).to_contain_text("50 missing")
    expect(masks_line).to_contain_text("One box was missing from the parcel.")
    expect(contents.filter(has_text="Protective clothing")).not_to_contain_text("missing")

    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Institutions").click()
    partner.get_by_role("link", name="Loma Linda University").click()
    timeline = partner.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Aid received")
    expect(timeline).to_contain_text("shortfall: 50 of 600 units")

    # The office sees the same on the partner's page.
    office.get_by_role("navigation", name="Main").get_by_role("link", name="Institutions").click()
    office.get_by_role("link", name="Loma Linda University").click()
    timeline = office.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Aid requested")
    expect(timeline).to_contain_text("Request partly approved")
    expect(timeline).to_contain_text("Aid shipped")
    expect(timeline).to_contain_text("EMS EA123456785CN")
    expect(timeline).to_contain_text("shortfall: 50 of 600 units")

    # --- 7. The office thanks the donor; the pledge shows the letter. ---
    office.get_by_role("navigation", name="Main").get_by_role("link", name="Aid").click()
    office.get_by_role("navigation", name="Aid to partners").get_by_role(
        "link", name="Pledges"
    ).click()
    office.get_by_role("row").filter(has_text="Shen Jie").get_by_role("link", name=PLEDGE).click()
    office.get_by_role("button", name="Thank the donor").click()
    expect(
        office.get_by_text("The thank-you letter to Shen Jie was written and queued for sending.")
    ).to_be_visible()
    expect(office.get_by_test_id("thanked").get_by_role("link", name="sent")).to_be_visible()
    expect(office.get_by_role("button", name="Thank the donor")).to_have_count(0)
    office.get_by_test_id("thanked").get_by_role("link", name="sent").click()
    expect(office.locator("main")).to_contain_text("Shen Jie")

    # The donor sees on their own pledge that they were thanked.
    staff.reload()
    expect(staff.get_by_test_id("thanked").get_by_role("link", name="sent")).to_be_visible()
