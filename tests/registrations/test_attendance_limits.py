"""Oversized attendance reports are refused at once, with the limit named: a workbook
that declares (or holds) too many rows, and a CSV with too many lines."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amity.registrations.attendance import MAX_ROWS

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY = (
    "This report has more than 50,000 rows: Amity reads at most 50,000 rows at a time. "
    "Split it (for example by session) and read each part."
)

_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_SHEET_TYPE}.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATION}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_RELATION}">'
    '<sheets><sheet name="Participants" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATION}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def zoom_workbook(rows: int, *, declare: bool = True, last_row: int = 0) -> bytes:
    """A Zoom participants report as an .xlsx with ``rows`` participants (and one more
    numbered ``last_row``, if given), written part by part: openpyxl would take minutes
    for a million rows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if declare:
                sheet.write(f'<dimension ref="A1:D{rows + 1}"/>'.encode())
            sheet.write(b"<sheetData>")
            header = ("Name (Original Name)", "User Email", "Join Time", "Leave Time")
            sheet.write(("<row>" + "".join(_cell(h) for h in header) + "</row>").encode())
            # Rows without their number compress like the real file (388 KB).
            row = (
                "<row>"
                + _cell("Wei Zhang")
                + _cell("zhangwei@example.cn")
                + _cell("11/26/2026 08:01:02 PM")
                + _cell("11/26/2026 09:01:02 PM")
                + "</row>"
            ).encode()
            chunk = row * 10_000
            for _done in range(rows // 10_000):
                sheet.write(chunk)
            sheet.write(row * (rows % 10_000))
            if last_row:
                sheet.write(row.replace(b"<row>", f'<row r="{last_row}">'.encode()))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _upload(client, activity, name: str, data: bytes):
    return client.post(
        f"/activities/{activity.pk}/attendance/",
        {"file": SimpleUploadedFile(name, data), "time_zone": "Asia/Shanghai"},
    )


def test_a_workbook_declaring_a_million_rows_is_refused_with_the_limit(webinar, world, login):
    """A 1,000,000-row workbook is refused, and the message names the limit."""
    data = zoom_workbook(1_000_000)
    client = login(world.office)

    response = _upload(client, webinar, "participants.xlsx", data)

    assert response.context["form"].errors["file"] == [TOO_MANY]
    assert webinar.attendance_imports.count() == 0


def test_a_workbook_hiding_its_size_stops_at_the_limit(webinar, world, login):
    """A workbook that does not declare its size is read only up to the limit, then
    refused."""
    data = zoom_workbook(MAX_ROWS + 5, declare=False)
    client = login(world.office)

    response = _upload(client, webinar, "participants.xlsx", data)

    assert response.context["form"].errors["file"] == [TOO_MANY]


def test_a_csv_with_too_many_lines_is_refused_with_the_limit(webinar, world, login):
    """A CSV report is bounded the same way."""
    line = "Wei Zhang,zw@example.cn,20:01,21:01\n"
    data = ("Name (Original Name),User Email,Join Time,Leave Time\n" + line * 1_000_000).encode()
    client = login(world.office)

    response = _upload(client, webinar, "participants.csv", data)

    assert response.context["form"].errors["file"] == [TOO_MANY]


def test_a_workbook_with_one_row_numbered_past_the_limit_is_refused(webinar, world, login):
    """A single row numbered 1,000,000 would make a million empty rows: refused too."""
    data = zoom_workbook(0, declare=False, last_row=1_000_000)
    client = login(world.office)

    response = _upload(client, webinar, "participants.xlsx", data)

    assert response.context["form"].errors["file"] == [TOO_MANY]
