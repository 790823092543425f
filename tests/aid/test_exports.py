"""Aid tables as CSV and XLSX for the office, a partner's own requests and shipments for
its contact, and the shipments as HXL for other organisations."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from amity.aid import services
from tests.aid.conftest import partner_request, stock_up
from tests.aid.test_papers import shipped

# A libhxl-style hashtag: #tag then any +attributes, each a letter then letters, digits, _.
HXL_TAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*$")


def _csv(response) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")  # Excel then reads Chinese names
    return list(csv.reader(io.StringIO(content[1:])))


def _xlsx(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _get(client, table, fmt):
    return client.get(reverse("aid:export", args=[table, fmt]))


def test_stock_by_lot_as_csv_and_xlsx(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (400, None))
    lot = stock_up(w, w.suits, (250, None))[0]
    services.stock_correct(lot=lot, quantity=-10, reason="=wet in storage", user=w.office)
    client.force_login(w.office)

    rows = _csv(_get(client, "stock", "csv"))
    assert rows[0][:3] == ["Item", "Item in Chinese", "HS code"]
    by_item = {row[0]: row for row in rows[1:]}
    assert by_item["Protective clothing"][1] == "医用防护服"
    assert by_item["Protective clothing"][9] == "240"
    assert by_item["Surgical mask"][9] == "400"

    sheet = _xlsx(_get(client, "stock", "xlsx"))
    assert sheet[0][0] == "Item"
    assert {(row[0], row[9]) for row in sheet[1:]} == {
        ("Protective clothing", 240),
        ("Surgical mask", 400),
    }

    movements = _csv(_get(client, "movements", "csv"))
    correction = next(row for row in movements[1:] if row[1] == "Stock correction")
    assert correction[5] == "-10"
    assert correction[6] == "'=wet in storage"  # never run as a formula


def test_pledges_show_what_was_pledged_and_received(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (600, None))
    client.force_login(w.office)

    rows = _csv(_get(client, "pledges", "csv"))

    assert rows[1][2:7] == ["Jie Shen", "Surgical mask", "医用外科口罩", "600", "600"]


def test_a_partner_exports_only_its_own_requests_and_shipments(aid_world, client):
    w = aid_world
    shipment = shipped(w)
    partner_request(w, w.milan, (w.masks, 50))
    client.force_login(w.stanford_contact)

    requests = _csv(_get(client, "requests", "csv"))
    assert {row[1] for row in requests[1:]} == {"Stanford Children's Health"}
    assert {(row[7], row[9]) for row in requests[1:]} == {
        ("Surgical mask", "600"),
        ("Protective clothing", "200"),
    }
    shipments = _xlsx(_get(client, "shipments", "xlsx"))
    assert {row[0] for row in shipments[1:]} == {shipment.reference}
    assert sum(row[12] for row in shipments[1:]) == 800

    for table in ("stock", "pledges", "movements"):
        assert _get(client, table, "csv").status_code == 404
    client.force_login(w.milan_contact)
    assert _csv(_get(client, "shipments", "csv"))[1:] == []


def test_shipments_as_hxl_have_a_hashtag_row_under_the_headers(aid_world, client):
    w = aid_world
    shipment = shipped(w)
    client.force_login(w.office)

    rows = _csv(_get(client, "shipments-hxl", "csv"))

    headers, tags, data = rows[0], rows[1], rows[2:]
    assert headers[0] == "Shipment"
    assert all(HXL_TAG.match(tag) for tag in tags), tags
    assert {"#date", "#org+provider+name", "#org+recipient+name", "#country+code"} <= set(tags)
    assert {"#item+name", "#item+code", "#output+num", "#value", "#status"} <= set(tags)
    column = {tag: index for index, tag in enumerate(tags)}
    suits = next(row for row in data if row[column["#item+name"]] == "Protective clothing")
    assert suits[column["#activity+code"]] == shipment.reference
    assert suits[column["#org+provider+name"]].startswith("Children's Hospital")
    assert suits[column["#org+recipient+name"]] == "Stanford Children's Health"
    assert suits[column["#country+code"]] == "USA"
    assert suits[column["#item+code"]] == "6210.10"
    assert suits[column["#item+name+i_zh"]] == "医用防护服"
    assert suits[column["#output+num"]] == "200"
    assert suits[column["#value"]] == "9000.00"
    assert suits[column["#status"]] == "shipped"
    assert sum(int(row[column["#output+num"]]) for row in data) == 800


@pytest.mark.parametrize(
    ("table", "fmt"), [("shipments-hxl", "xlsx"), ("stock", "pdf"), ("people", "csv")]
)
def test_unknown_tables_and_formats_are_not_found(aid_world, client, table, fmt):
    client.force_login(aid_world.office)
    assert _get(client, table, fmt).status_code == 404


def test_every_aid_list_links_its_exports_and_the_links_download_what_the_user_may_see(
    aid_world, client
):
    """Office staff find CSV and Excel on the stock, ledger, pledge, request and shipment
    lists (and HXL on shipments); a partner contact finds them on their own requests and
    shipments, and the file holds only their institution's rows."""
    from django.urls import reverse

    from tests.aid.conftest import partner_request

    w = aid_world
    partner_request(w, w.stanford, (w.masks, 10), user=w.stanford_contact)
    partner_request(w, w.milan, (w.masks, 20), user=w.milan_contact)
    client.force_login(w.office)
    for page, table in [
        ("aid:stock", "stock"),
        ("aid:movement_list", "movements"),
        ("aid:pledge_list", "pledges"),
        ("aid:request_list", "requests"),
        ("aid:shipment_list", "shipments"),
    ]:
        html = client.get(reverse(page)).content.decode()
        assert reverse("aid:export", args=[table, "csv"]) in html, page
        assert reverse("aid:export", args=[table, "xlsx"]) in html, page
    shipments = client.get(reverse("aid:shipment_list")).content.decode()
    assert reverse("aid:export", args=["shipments-hxl", "csv"]) in shipments

    client.force_login(w.stanford_contact)
    html = client.get(reverse("aid:request_list")).content.decode()
    link = reverse("aid:export", args=["requests", "csv"])
    assert link in html
    rows = _csv(client.get(link))
    text = "\n".join(",".join(row) for row in rows)
    assert "Stanford" in text and "Ospedale" not in text
