"""Tables as the files an office opens in Excel or WPS: CSV in UTF-8 with a byte-order mark
(without it Excel shows Chinese names as mojibake) and XLSX, both with every cell that a
spreadsheet would run as a formula neutralised."""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """A cell starting with = + - @ (or a tab or carriage return) is run as a formula by
    spreadsheet programs: prefix it with an apostrophe. Numbers stay numbers (a stock
    correction of -50 is not a formula)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Iterable], *, title: str) -> bytes:
    book = Workbook(write_only=True)
    # Sheet titles are at most 31 characters and may not hold []:*?/\
    sheet = book.create_sheet("".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet")
    for row in rows:
        sheet.append([cell_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
