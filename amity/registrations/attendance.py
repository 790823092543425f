"""Attendance reports, read into rows and matched to registrants. No database, no web.

What the video services export (laid out from their documentation and real exports):

- **Zoom, meeting** (Reports → Usage → Participants, "Export"): a CSV whose table has
  ``Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes), Guest``
  (later versions add ``Recording Consent`` and ``In Waiting Room``; waiting-room rows are
  not attendance and are skipped). With "Export with meeting data" a meeting block comes
  first (``Meeting ID, Topic, Start Time, …``), then a blank line; newer versions instead
  repeat the meeting's columns on every row, so ``User Email`` and ``Duration (Minutes)``
  appear twice (the host's, then the participant's). A name that was changed in the
  meeting reads ``New (Original)``. One row per connection: a person who drops and
  rejoins has several rows, which can overlap when a second device joins before the first
  leaves. Times are in the time zone of the account that exported them, e.g.
  ``11/26/2026 08:01:02 PM``; some locales write the day first.
- **Zoom, webinar** (Reports → Webinar → Attendee report): sections, each a title line
  and a table: a summary (``Topic, Webinar ID, Actual Start Time, …``), ``Host Details``,
  ``Panelist Details``, ``Attendee Details`` (``Attended, User Name (Original Name), First
  Name, Last Name, Email, …, Join Time, Leave Time, Time in Session (minutes), Is Guest,
  Country/Region Name``). Only the attendees are read; registrants who did not come have
  ``Attended`` = ``No`` and ``--`` for the times, and are skipped.
- **Tencent Meeting (腾讯会议 / VooV)**: the members' export (XLSX, often saved again as
  CSV by Excel in GB18030) has a block of meeting details (会议主题, 会议号, …) above the
  table, whose header is on row 9. The detail sheet (成员参会明细) has one row per
  connection: 用户昵称（入会昵称）, contact columns (邮箱, 手机号), 入会身份, 终端类型,
  入会时间, 退会时间, 参会时长; the overview sheet (成员参会概况) has one row per person:
  首次入会时间, 最后退会时间, 入会次数, 累计参会时长. The name column reads
  ``account nickname(in-meeting nickname)``; organisers ask people to put their real
  name in the meeting. Durations are ``1小时2分3秒`` or ``1:02:03``. The English UI
  exports the same with English headers (``User Nickname (In-meeting Nickname)``, ``Join
  Time``, ``Leave Time``, ``Duration``).
- **Any other spreadsheet** (a sign-in sheet, another service): the person says which
  column holds what (``ColumnMapping``); ``sniff_headers`` offers the columns to choose
  from.

Text files may be UTF-8 (with or without BOM), UTF-16 (with or without BOM), GB18030 (what
Excel writes in China) or Windows-1252 (Excel in Western Europe), separated by commas, tabs
or semicolons. ``.xlsx`` is read with openpyxl.

Times without a zone are read in the report's zone (``tz``) and returned in UTC. Every row
that cannot be read becomes a ``RowError`` with its row number (as a spreadsheet shows it)
and a sentence saying what is wrong; the other rows are still read. Whole-file problems
raise ``ReportError``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

ZOOM = "zoom"
TENCENT = "tencent"
GENERIC = "generic"

# The largest report read: a 10,000-person webinar where everyone rejoins a few times
# stays below it, and it is read in seconds. Larger files are refused before they are
# parsed (an .xlsx by counting its rows in the raw sheet XML, which takes milliseconds
# where openpyxl would take a minute for a million rows).
MAX_ROWS = 50_000
# The uncompressed size of one sheet that is read: 50,000 rows of 4 KB.
MAX_SHEET_BYTES = 200 * 1024 * 1024
# How far down a preamble (meeting details) may push the table's header.
HEADER_SEARCH_ROWS = 60


# ----- what comes out ----------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One row of a report: one connection of one person (or, in an overview, all of a
    person's connections)."""

    row_number: int
    name: str
    email: str  # lower-cased; "" when the report has none or it is not an address
    joined_at: datetime | None  # aware, UTC
    left_at: datetime | None  # aware, UTC
    minutes: float
    # Other names the person appears under in the same row: the original name of a
    # renamed Zoom participant, the account nickname beside a Tencent in-meeting
    # nickname, a Zoom webinar registrant's first and last name. Used for matching.
    other_names: tuple[str, ...] = ()
    # Digits of a phone number (a livestream's viewer export often has one instead of
    # an email); "" when none.
    phone: str = ""


@dataclass(frozen=True)
class RowError:
    row_number: int
    message: str
    # What the row says about whose it is, so the organiser can check that person.
    name: str = ""
    email: str = ""


@dataclass
class ParsedReport:
    source: str  # ZOOM, TENCENT or GENERIC
    rows: list[AttendanceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows that hold no attendance and are not errors: registrants marked as absent in a
    # Zoom webinar report, time in a Zoom waiting room, notes under the table.
    skipped: int = 0
    headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of a generic report holds what, by header text. ``name`` is needed,
    and either ``duration`` or both ``joined`` and ``left``."""

    name: str
    email: str = ""
    joined: str = ""
    left: str = ""
    duration: str = ""
    duration_unit: str = "minutes"  # plain numbers in ``duration``: "minutes" or "seconds"
    day_first: bool | None = None  # 03/04/2026: None guesses from the file


class ReportError(ValueError):
    """The file as a whole cannot be read; ``str()`` says why, for a person."""


class UnknownColumns(ReportError):
    """The columns are not those of a known report: ask which column holds what."""

    def __init__(self, message: str, headers: list[str]):
        super().__init__(message)
        self.headers = headers


# ----- reading the file into rows of cells -----------------------------------------------


Cell = Any  # str from CSV; str, int, float, datetime, time, timedelta or None from XLSX


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    head = data[:4000]
    if head and head.count(b"\x00") > len(head) // 4:
        # UTF-16 without a byte-order mark: the zero bytes fall on one side.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return data.decode("utf-16-le" if odd > even else "utf-16-be", errors="replace")
    if b"\x00" in head:
        raise ReportError(_("This file is not a spreadsheet or a CSV report."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_chinese(text):
        return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ReportError(
            _(
                "We could not read the text of this file. Save it as CSV (UTF-8) or as an "
                "Excel workbook (.xlsx) and upload it again."
            )
        ) from None


def _looks_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; a Western file read that way turns "Müller" into
    a rare character. Real Chinese text is mostly the 6,763 common characters of GB2312."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.8 * len(wide)


def _too_many_rows() -> ReportError:
    return ReportError(
        _(
            "This report has more than %(count)s rows: Amity reads at most %(count)s rows at "
            "a time. Split it (for example by session) and read each part."
        )
        % {"count": f"{MAX_ROWS:,}"}
    )


def _lines(text: str) -> Iterable[str]:
    """The lines of ``text`` (newlines already "\n") one by one, with their ends: the csv
    reader stops at the row limit without copying the whole text first."""
    start, length = 0, len(text)
    while start < length:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise _too_many_rows()
    return rows


def _text_tables(data: bytes) -> list[tuple[str, list[list[Cell]]]]:
    """The file's text split with each plausible separator, the likeliest first."""
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ReportError(_("The file is empty."))
    sample = text[:20000]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    odd -= sample.count("\n") + sample.count("\t")
    if odd > len(sample) // 100:
        # Control characters and unassigned code points: binary data, not text.
        raise ReportError(_("This file is not a spreadsheet or a CSV report."))
    head = "\n".join(text.split("\n", 400)[:400])
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    order = sorted(counts, key=lambda d: -counts[d])
    return [(d, _csv_rows(text, d)) for d in order if counts[d] or d == ","]


# A row element of a sheet (``<row r="7" …>``), not ``<rowBreaks>``; the same with a
# namespace prefix (``<x:row>``, rare: looked for only when ":row" occurs); the sheet's
# declared extent (``<dimension ref="A1:D1000001"/>``). Literal starts keep them fast.
_ROW_TAG = re.compile(rb"<row[\s>/]")
_ROW_NUMBER = re.compile(rb"<row\s[^>]*?\br\s*=\s*[\"'](\d{1,9})")
_PREFIXED_ROW_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:row[\s>/]")
_PREFIXED_ROW_NUMBER = re.compile(rb"<[A-Za-z_][\w.-]*:row\s[^>]*?\br\s*=\s*[\"'](\d{1,9})")
_DIMENSION = re.compile(rb"dimension\s[^>]*?ref\s*=\s*[\"'][^\"']*?(\d+)[\"']")


def _rows_in(buffer: bytes) -> tuple[int, int]:
    """How many whole row tags ``buffer`` holds, and the highest row number among them."""
    count = len(_ROW_TAG.findall(buffer))
    numbers = _ROW_NUMBER.findall(buffer)
    if b":row" in buffer:
        count += len(_PREFIXED_ROW_TAG.findall(buffer))
        numbers += _PREFIXED_ROW_NUMBER.findall(buffer)
    return count, max(map(int, numbers), default=0)


def _check_sheet_sizes(data: bytes) -> None:
    """Refuse a workbook any of whose XML parts declares or holds more than ``MAX_ROWS``
    rows (a single row numbered 1,000,000 counts as a million: openpyxl fills the gap with
    empty rows), or more than ``MAX_SHEET_BYTES`` of XML. Reads the compressed parts as a
    stream and stops at the limit, so a huge file is refused in a fraction of a second."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".xml")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReportError(_("This Excel workbook cannot be opened.")) from exc
    for member in members:
        count = highest = size = 0
        carry = b""
        try:
            with archive.open(member) as part:
                while chunk := part.read(1024 * 1024):
                    if size == 0 and (declared := _DIMENSION.search(chunk[:4096])):
                        highest = int(declared.group(1)[:9])
                    size += len(chunk)
                    if size > MAX_SHEET_BYTES:
                        raise ReportError(_("This Excel workbook is too large to read."))
                    buffer = carry + chunk
                    tags, number = _rows_in(buffer)
                    count, highest = count + tags, max(highest, number)
                    if count > MAX_ROWS or highest > MAX_ROWS:
                        raise _too_many_rows()
                    # A tag cut off at the end of the chunk is read with the next one; what
                    # follows the last ">" holds no whole tag, so nothing counts twice.
                    carry = buffer[max(buffer.rfind(b">") + 1, len(buffer) - 1024) :]
        except ReportError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise ReportError(_("This Excel workbook cannot be opened.")) from exc


def _xlsx_tables(data: bytes) -> list[tuple[str, list[list[Cell]]]]:
    _check_sheet_sizes(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or encrypted workbook, whatever openpyxl says
        raise ReportError(_("This Excel workbook cannot be opened.")) from exc
    tables = []
    try:
        for sheet in book.worksheets:
            rows: list[list[Cell]] = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS:
                    raise _too_many_rows()
            tables.append((sheet.title, rows))
    finally:
        book.close()
    # Tencent's workbook has an overview and a detail sheet: the detail (one row per
    # connection) is more precise, so it goes first.
    tables.sort(key=lambda table: 0 if re.search(r"明细|detail", table[0], re.I) else 1)
    return tables


def read_tables(data: bytes, filename: str = "") -> list[tuple[str, list[list[Cell]]]]:
    """The tables of an uploaded CSV or Excel file (any of the encodings above), each as
    (sheet name, rows of cells); ``ReportError`` when it cannot be read. Also used for
    tables that are not attendance reports (a team's registration table)."""
    return _tables(data, filename)


def _tables(data: bytes, filename: str) -> list[tuple[str, list[list[Cell]]]]:
    """The file's tables, by its content (never its name): the sheets of an Excel
    workbook, or the text split into cells."""
    import filetype

    if not data.strip():
        raise ReportError(_("The file is empty."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReportError(
            _(
                "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or "
                "as CSV and upload it again."
            )
        )
    kind = filetype.guess(data[:8192])
    if data.startswith(b"PK\x03\x04") and (kind is None or kind.extension in ("xlsx", "zip")):
        return _xlsx_tables(data)
    if kind is not None:
        raise ReportError(_("This file is not a spreadsheet or a CSV report."))
    return _text_tables(data)


# ----- recognising the columns ------------------------------------------------------------


def _header_key(value: Cell) -> str:
    """A header as compared: NFKC (full-width brackets become ASCII), case-folded, inner
    spaces single, no trailing colon."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*\(\s*", " (", text).replace(" )", ")")
    return text.rstrip(":：").strip()


# For each field, the header texts that name it, the most specific first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name (original name)",
        "user name (original name)",
        "用户昵称 (入会昵称)",
        "用户昵称 (会中昵称)",
        "user nickname (in-meeting nickname)",
        "nickname (in-meeting nickname)",
        "入会昵称",
        "会中昵称",
        "会议中昵称",
        "in-meeting nickname",
        "participant",
        "participant name",
        "attendee name",
        "display name",
        "full name",
        "name",
        "姓名",
        "用户昵称",
        "user nickname",
        "nickname",
        "昵称",
        "参会者",
        "参会人",
        "成员",
        "user name",
        "viewer",
        "viewer name",
        "viewer nickname",
        "观众",
        "观众昵称",
        "观看者",
        "用户名",
    ),
    "email": (
        "user email",
        "email",
        "email address",
        "e-mail",
        "e-mail address",
        "邮箱",
        "电子邮箱",
        "邮箱地址",
        "电子邮件",
        "attendee email",
        "viewer email",
    ),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "手机号",
        "手机号码",
        "手机",
        "电话",
        "联系电话",
    ),
    "joined": (
        "join time",
        "入会时间",
        "首次入会时间",
        "first join time",
        "加入时间",
        "进入时间",
        "first joined",
        "joined",
        "join",
        "arrival time",
    ),
    "left": (
        "leave time",
        "退会时间",
        "最后退会时间",
        "last leave time",
        "离会时间",
        "离开时间",
        "退出时间",
        "last left",
        "left",
        "leave",
        "departure time",
    ),
    "duration": (
        "duration (minutes)",
        "time in session (minutes)",
        "total duration (minutes)",
        "参会时长",
        "累计参会时长",
        "入会时长",
        "在会时长",
        "观看时长",
        "观看时长 (分钟)",
        "观看时长 (分)",
        "watch minutes",
        "watch time",
        "watch time (minutes)",
        "watch duration",
        "viewing time",
        "duration",
        "total duration",
        "time in meeting",
        "in-meeting duration",
        "attendance duration",
        "minutes",
        "时长",
    ),
    "attended": ("attended", "是否参会"),
    "waiting_room": ("in waiting room", "是否在等候室"),
    "first_name": ("first name", "名"),
    "last_name": ("last name", "姓"),
}

_SECTION_TITLES = {
    "host details",
    "panelist details",
    "attendee details",
    "other attended",
    "registrant details",
    "attendee report",
    "panelist report",
}
_READ_SECTIONS = {"attendee details"}
_TENCENT_MARKS = ("昵称", "nickname", "入会", "退会", "参会时长")


@dataclass
class _Layout:
    source: str
    header_index: int  # index into the table's rows
    headers: list[str]
    columns: dict[str, int]  # field → column index
    split_name: str = ""  # "outer" or "inner" when the name column reads "A (B)"
    duration_unit: str = "minutes"
    day_first: bool | None = None


def _find_column(keys: list[str], aliases: Sequence[str], after: int = 0) -> int | None:
    for alias in aliases:
        found = [i for i, key in enumerate(keys) if key == alias]
        if found:
            later = [i for i in found if i >= after]
            return later[0] if later else found[-1]
    return None


def _recognise(keys: list[str]) -> dict[str, int] | None:
    name = _find_column(keys, _ALIASES["name"])
    if name is None:
        return None
    columns = {"name": name}
    for fieldname in (
        "email",
        "phone",
        "joined",
        "left",
        "duration",
        "attended",
        "waiting_room",
    ):
        index = _find_column(keys, _ALIASES[fieldname], after=name)
        if index is not None:
            columns[fieldname] = index
    first, last = (_find_column(keys, _ALIASES[f]) for f in ("first_name", "last_name"))
    if first is not None and last is not None:
        columns["first_name"], columns["last_name"] = first, last
    has_times = "duration" in columns or ("joined" in columns and "left" in columns)
    return columns if has_times else None


def _source(keys: list[str], columns: dict[str, int], preamble: str) -> str:
    name_header = keys[columns["name"]]
    if "original name" in name_header or "time in session (minutes)" in keys:
        return ZOOM
    if "duration (minutes)" in keys and "user email" in keys:
        return ZOOM
    if any(mark in key for key in keys for mark in _TENCENT_MARKS) or re.search(
        r"腾讯会议|tencent meeting|voov", preamble, re.I
    ):
        return TENCENT
    return GENERIC


def _section_title(cells: list[Cell]) -> str | None:
    filled = [c for c in cells if c not in (None, "") and str(c).strip()]
    if len(filled) == 1:
        key = _header_key(filled[0])
        if key in _SECTION_TITLES:
            return key
    return None


def _candidate_rows(rows: list[list[Cell]]) -> Iterable[tuple[int, list[Cell], str]]:
    """The rows that may hold the table's header, each with the text above it: the first
    rows of the file, or the attendee section of a Zoom webinar report."""
    has_sections = any(_section_title(r) == "attendee details" for r in rows)
    section = None
    preamble: list[str] = []
    seen = 0
    for index, cells in enumerate(rows):
        title = _section_title(cells)
        if title:
            section = title
            continue
        if not has_sections or section in _READ_SECTIONS:
            yield index, cells, " ".join(preamble)
            seen += 1
            if seen >= HEADER_SEARCH_ROWS:
                return
        preamble.extend(str(c) for c in cells if c)


def _layout(rows: list[list[Cell]], mapping: ColumnMapping | None) -> _Layout | None:
    """Where the table starts and which column holds what. Without a mapping, the header
    whose name column is named most specifically wins: a meeting block above a Zoom
    table can have a "User Name" (the host's) and a duration too."""
    best: tuple[int, _Layout] | None = None
    for index, cells, preamble in _candidate_rows(rows):
        keys = [_header_key(c) for c in cells]
        headers = [str(c or "").strip() for c in cells]
        if mapping is not None:
            columns = _mapped_columns(keys, mapping)
            if columns is not None:
                return _Layout(
                    GENERIC,
                    index,
                    headers,
                    columns,
                    duration_unit=mapping.duration_unit,
                    day_first=mapping.day_first,
                )
            continue
        columns = _recognise(keys)
        if columns is None:
            continue
        name_header = keys[columns["name"]]
        rank = _ALIASES["name"].index(name_header)
        if best is not None and best[0] <= rank:
            continue
        split = ""
        if "(" in name_header:
            split = "outer" if "original" in name_header else "inner"
        source = _source(keys, columns, preamble)
        best = (rank, _Layout(source, index, headers, columns, split))
    return best[1] if best else None


def _mapped_columns(keys: list[str], mapping: ColumnMapping) -> dict[str, int] | None:
    wanted = {
        "name": mapping.name,
        "email": mapping.email,
        "joined": mapping.joined,
        "left": mapping.left,
        "duration": mapping.duration,
    }
    columns = {}
    for fieldname, header in wanted.items():
        if not header:
            continue
        key = _header_key(header)
        if key not in keys:
            return None
        columns[fieldname] = keys.index(key)
    return columns


def _first_filled_row(rows: list[list[Cell]]) -> list[str]:
    for cells in rows[:HEADER_SEARCH_ROWS]:
        filled = [str(c).strip() for c in cells if c not in (None, "") and str(c).strip()]
        if len(filled) >= 2:
            return [str(c).strip() if c is not None else "" for c in cells]
    return []


def _choose(
    tables: list[tuple[str, list[list[Cell]]]], mapping: ColumnMapping | None
) -> tuple[list[list[Cell]], _Layout | None]:
    for _label, rows in tables:
        layout = _layout(rows, mapping)
        if layout is not None:
            return rows, layout
    return tables[0][1], None


def sniff_headers(data: bytes, filename: str = "") -> list[str]:
    """The column headers of a report, to offer in a form's column mapping: the header row
    of a known report, else the first row with two or more filled cells. Raises
    ``ReportError`` when the file cannot be read."""
    tables = _tables(data, filename)
    rows, layout = _choose(tables, None)
    headers = layout.headers if layout else _first_filled_row(rows)
    return [h for h in headers if h]


# ----- reading values --------------------------------------------------------------------

_BLANK = {"", "-", "--", "—", "n/a", "无", "null", "none"}

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_CLOCK = r"(?P<h>\d{1,2})[:：](?P<mi>\d{2})(?:[:：](?P<s>\d{2})(?:[.,]\d+)?)?"
_ZONE = r"(?:\s*(?P<z>z|utc|gmt|[+-]\d{2}:?\d{2}))?"
_YMD = re.compile(
    rf"^(?P<y>\d{{4}})\s*[-/.年]\s*(?P<mo>\d{{1,2}})\s*[-/.月]\s*(?P<d>\d{{1,2}})\s*日?"
    rf"(?:\s*t\s*|\s+|(?<=日))\s*{_CLOCK}{_ZONE}$",
    re.I,
)
_NUMERIC = re.compile(
    rf"^(?P<a>\d{{1,2}})[/.-](?P<b>\d{{1,2}})[/.-](?P<y>\d{{2,4}}),?\s+{_CLOCK}{_ZONE}$", re.I
)
_NAMED = re.compile(
    rf"^(?:(?P<d1>\d{{1,2}})\s+)?(?P<mon>[a-z]{{3,9}})\.?\s+(?:(?P<d2>\d{{1,2}}),?\s+)?"
    rf"(?P<y>\d{{4}}),?\s+{_CLOCK}{_ZONE}$",
    re.I,
)
# AM/PM, in English or Chinese, before or after the clock.
_MERIDIEM = re.compile(r"上午|下午|晚上|中午|凌晨|早上|\b[ap]\.?m\b\.?", re.I)


class _BadValue(ValueError):
    pass


def _hour(hour: int, meridiem: str) -> int:
    mark = meridiem.lower().replace(".", "")
    if mark in ("pm", "下午", "晚上") and hour < 12:
        return hour + 12
    if mark == "中午" and hour < 11:
        return hour + 12
    if mark in ("am", "上午", "凌晨", "早上") and hour == 12:
        return 0
    return hour


def _zone(mark: str | None, tz: ZoneInfo):
    if not mark:
        return tz
    if mark.lower() in ("z", "utc", "gmt"):
        return UTC
    sign = 1 if mark[0] == "+" else -1
    digits = mark[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _split_meridiem(text: str) -> tuple[str, str]:
    match = _MERIDIEM.search(text)
    if not match:
        return text, ""
    rest = f"{text[: match.start()]} {text[match.end() :]}"
    return re.sub(r"\s+", " ", rest).strip(), match.group(0)


def _date_order(values: Iterable[Cell]) -> bool | None:
    """True when the file writes the day first (26/11/2026), False when the month first
    (11/26/2026), None when no value tells."""
    day_first = month_first = False
    for value in values:
        if not isinstance(value, str):
            continue
        match = _NUMERIC.match(_split_meridiem(value.strip())[0])
        if match:
            a, b = int(match["a"]), int(match["b"])
            day_first |= a > 12
            month_first |= b > 12
    if day_first != month_first:
        return day_first
    return None


def _datetime(value: Cell, tz: ZoneInfo, day_first: bool) -> datetime | None:
    """A join or leave time, in UTC; None when blank. Raises _BadValue."""
    if value is None:
        return None
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=tz)
        return local.astimezone(UTC)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.casefold() in _BLANK:
        return None
    text, meridiem = _split_meridiem(text)
    if match := _YMD.match(text):
        year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    elif match := _NUMERIC.match(text):
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        day, month = (a, b) if day_first else (b, a)
        year += 2000 if year < 100 else 0
    elif match := _NAMED.match(text):
        month = _MONTHS.get(match["mon"].lower())
        day_text = match["d1"] or match["d2"]
        if month is None or day_text is None:
            raise _BadValue
        year, day = int(match["y"]), int(day_text)
    else:
        raise _BadValue
    hour = int(match["h"])
    if meridiem:
        if not 1 <= hour <= 12:
            raise _BadValue
        hour = _hour(hour, meridiem)
    try:
        local = datetime(
            year,
            month,
            day,
            hour,
            int(match["mi"]),
            int(match["s"] or 0),
            tzinfo=_zone(match["z"], tz),
        )
    except ValueError:
        raise _BadValue from None
    return local.astimezone(UTC)


_UNITS = {
    "天": 1440,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "小时": 60,
    "时": 60,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "分钟": 1,
    "分": 1,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "秒钟": 1 / 60,
    "秒": 1 / 60,
    "s": 1 / 60,
    "sec": 1 / 60,
    "secs": 1 / 60,
    "second": 1 / 60,
    "seconds": 1 / 60,
}
_UNIT_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(天|小时|时|分钟|分|秒钟|秒|days?|hours?|hrs?|h|minutes?|mins?|m|"
    r"seconds?|secs?|s)",
    re.I,
)


def _minutes(value: Cell, unit: str = "minutes") -> float | None:
    """A duration in minutes; None when blank. Raises _BadValue."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _BadValue
    if isinstance(value, int | float):
        return float(value) / 60 if unit == "seconds" else float(value)
    if isinstance(value, timedelta):
        return value.total_seconds() / 60
    if isinstance(value, time):
        return value.hour * 60 + value.minute + value.second / 60
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if text in _BLANK:
        return None
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        number = float(text)
        return number / 60 if unit == "seconds" else number
    if match := re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}))?", text):
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        return hours * 60 + minutes + seconds / 60
    parts = _UNIT_PART.findall(text)
    leftover = _UNIT_PART.sub("", text).strip(" ,")
    if not parts or leftover:
        raise _BadValue
    return sum(float(number) * _UNITS[name.lower()] for number, name in parts)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BRACKETED = re.compile(r"^(?P<outer>.*?)\s*\((?P<inner>[^()]*)\)\s*$")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def _names(raw: str, split: str) -> tuple[str, tuple[str, ...]]:
    """The main name and the others in a "A (B)" cell."""
    if not split:
        return raw, ()
    match = _BRACKETED.match(unicodedata.normalize("NFKC", raw))
    if not match or not match["inner"].strip():
        return raw, ()
    outer, inner = match["outer"].strip(), match["inner"].strip()
    if not outer:
        return inner, ()
    main, other = (outer, inner) if split == "outer" else (inner, outer)
    return main, tuple(n for n in (other,) if n and n != main)


def _phone(value: Cell) -> str:
    """The digits of a phone number ("+86 138-0013-8000" → "8613800138000"); a mainland
    number with or without +86 reads the same. "" when it is not one."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", _text(value)))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if 6 <= len(digits) <= 15 else ""


def _round(minutes: float) -> float:
    return round(minutes, 2)


# ----- parse_report -------------------------------------------------------------------------


def parse_report(
    data: bytes, *, filename: str, tz: ZoneInfo, mapping: ColumnMapping | None = None
) -> ParsedReport:
    """Read an attendance report (Zoom, Tencent Meeting, or any table with ``mapping``).

    Rows that cannot be read are reported in ``errors`` with their row numbers; blank
    rows, absentees and notes are skipped. Raises ``UnknownColumns`` (with the headers to
    offer) when the columns are not recognised and no mapping is given, and
    ``ReportError`` when the file cannot be read at all.
    """
    if mapping is not None and not (mapping.duration or (mapping.joined and mapping.left)):
        raise ReportError(
            _("Choose the column with the duration, or both the join and the leave columns.")
        )
    tables = _tables(data, filename)
    rows, layout = _choose(tables, mapping)
    if layout is None:
        headers = [h for h in _first_filled_row(rows) if h]
        if mapping is not None:
            raise UnknownColumns(
                _("The columns you chose are not all in this file's header row."), headers
            )
        raise UnknownColumns(
            _(
                "These columns are not those of a Zoom or Tencent Meeting report. Choose "
                "which column holds the name, the email, the times and the duration."
            ),
            headers,
        )
    return _read_rows(rows, layout, tz)


def _read_rows(rows: list[list[Cell]], layout: _Layout, tz: ZoneInfo) -> ParsedReport:
    report = ParsedReport(layout.source, headers=[h for h in layout.headers if h])
    columns = layout.columns
    width = len(layout.headers)

    def cell(cells: list[Cell], fieldname: str) -> Cell:
        index = columns.get(fieldname)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return value.strip() if isinstance(value, str) else value

    header_keys = [_header_key(h) for h in layout.headers]
    body: list[tuple[int, list[Cell]]] = []
    for index in range(layout.header_index + 1, len(rows)):
        cells = rows[index]
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue  # blank line
        title = _section_title(cells)
        if title is not None:
            if title in _READ_SECTIONS:
                continue
            break  # the next section of a Zoom webinar report: stop here
        if [_header_key(c) for c in cells[:width]] == header_keys:
            continue  # the header again (a second section of the same kind)
        body.append((index + 1, cells))

    day_first = layout.day_first
    if day_first is None:
        values = [cell(c, f) for _n, c in body for f in ("joined", "left")]
        day_first = bool(_date_order(values))

    for row_number, cells in body:
        attended = _text(cell(cells, "attended")).casefold()
        waiting = _text(cell(cells, "waiting_room")).casefold()
        if attended in ("no", "否", "false") or waiting in ("yes", "是", "true"):
            # Registered but absent, or time spent in the waiting room: not attendance.
            report.skipped += 1
            continue
        if _only_notes(cells, columns):
            report.skipped += 1
            continue
        raw_name = _text(cell(cells, "name"))
        email = _text(cell(cells, "email")).lower()
        email = email if _EMAIL.match(email) else ""
        phone = _phone(cell(cells, "phone"))
        name, others = _names(raw_name, layout.split_name)
        if "first_name" in columns:
            first, last = _text(cell(cells, "first_name")), _text(cell(cells, "last_name"))
            both = (f"{first} {last}".strip(), f"{last} {first}".strip())
            others = tuple(dict.fromkeys(n for n in (*others, *both) if n and n != name))
        if not name and not email and phone:
            name = phone
        if not name and not email:
            report.errors.append(
                RowError(row_number, _("This row has neither a name nor an email address."))
            )
            continue
        problem, joined, left, minutes = _times(cells, cell, layout, tz, day_first)
        if problem:
            report.errors.append(RowError(row_number, problem, name or raw_name, email))
            continue
        report.rows.append(
            AttendanceRow(row_number, name or email, email, joined, left, minutes, others, phone)
        )
    return report


_NOTE = re.compile(r"^(注|备注|说明|提示|note|notes|remark|remarks)\s*[:：]", re.I)


def _only_notes(cells: list[Cell], columns: dict[str, int]) -> bool:
    """A line under the table with text in one cell only: a note ("注：时长按分钟统计")
    or something outside the known columns."""
    filled = [i for i, c in enumerate(cells) if c not in (None, "") and str(c).strip()]
    if len(filled) != 1:
        return False
    return filled[0] not in columns.values() or bool(_NOTE.match(str(cells[filled[0]]).strip()))


def _times(cells, cell, layout: _Layout, tz: ZoneInfo, day_first: bool):
    """(problem, joined, left, minutes) of one row; problem is a sentence or ""."""
    raw_joined, raw_left = cell(cells, "joined"), cell(cells, "left")
    raw_duration = cell(cells, "duration")
    try:
        joined = _datetime(raw_joined, tz, day_first)
    except _BadValue:
        return (
            _("The join time “%(value)s” is not a date and time we can read.")
            % {"value": raw_joined},
            None,
            None,
            0,
        )
    try:
        left = _datetime(raw_left, tz, day_first)
    except _BadValue:
        return (
            _("The leave time “%(value)s” is not a date and time we can read.")
            % {"value": raw_left},
            None,
            None,
            0,
        )
    try:
        minutes = _minutes(raw_duration, layout.duration_unit)
    except _BadValue:
        return (
            _(
                "The duration “%(value)s” is not a number of minutes or a time such as "
                "1:05:00 or 1小时5分."
            )
            % {"value": raw_duration},
            None,
            None,
            0,
        )
    if joined and left and left < joined:
        return _("The leave time is before the join time."), None, None, 0
    if minutes is not None and minutes < 0:
        return _("The duration is negative."), None, None, 0
    if minutes is None:
        if not (joined and left):
            return (
                _("This row has no duration, and no join and leave times to count it from."),
                None,
                None,
                0,
            )
        minutes = (left - joined).total_seconds() / 60
    return "", joined, left, _round(minutes)


# ----- one person, several rows ----------------------------------------------------------


def normalise_name(name: str) -> str:
    """A name as compared: NFKC (full-width letters and brackets become ASCII),
    case-folded, without any white space. "傅 君芬" and "傅君芬", "FU Junfen" and
    "Fu  Junfen" compare equal; "Junfen Fu" does not (see ``_name_tokens``)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name).casefold())


def _name_tokens(name: str) -> str:
    """The words of a Latin name in any order: "Junfen Fu" and "Fu Junfen" alike."""
    words = re.split(r"[\s,]+", unicodedata.normalize("NFKC", name).casefold().strip())
    words = [w for w in words if w]
    return " ".join(sorted(words)) if len(words) >= 2 else ""


def _total(rows: Iterable[AttendanceRow]) -> float:
    """Minutes of one person: connections that overlap count once.

    A row with both times covers that interval; the union of the intervals is the most a
    person can have attended. A row's own duration can be less than its interval (an
    overview row: first join to last leave, with breaks), so the total is the smaller of
    the union and the sum of those rows' durations. Rows without both times add their
    duration.
    """
    spans: list[tuple[datetime, datetime]] = []
    span_minutes = 0.0
    loose = 0.0
    for row in rows:
        if row.joined_at and row.left_at:
            spans.append((row.joined_at, row.left_at))
            span_minutes += row.minutes
        else:
            loose += row.minutes
    union = 0.0
    end: datetime | None = None
    for start, stop in sorted(spans):
        if end is None or start > end:
            union += (stop - start).total_seconds() / 60
            end = stop
        elif stop > end:
            union += (stop - end).total_seconds() / 60
            end = stop
    covered = min(union, span_minutes) if spans else 0.0
    return _round(covered + loose)


def person_key(row: AttendanceRow) -> str:
    """Who a row belongs to, within one report: the email, else the normalised name."""
    return row.email or normalise_name(row.name)


def combine(rows: Iterable[AttendanceRow]) -> dict[str, float]:
    """Total minutes per person (``person_key``), rejoins merged and overlaps counted
    once."""
    groups: dict[str, list[AttendanceRow]] = defaultdict(list)
    for row in rows:
        groups[person_key(row)].append(row)
    return {key: _total(group) for key, group in groups.items()}


# ----- matching to registrants ----------------------------------------------------------


@dataclass(frozen=True)
class Unmatched:
    row: AttendanceRow
    reason: str


@dataclass
class MatchResult:
    matched: dict[Any, int]  # registrant pk → whole minutes (rejoins merged)
    unmatched: list[Unmatched]
    rows_by_registrant: dict[Any, list[AttendanceRow]]  # which rows counted for whom

    @property
    def matched_rows(self) -> int:
        return sum(len(rows) for rows in self.rows_by_registrant.values())


def match_rows(rows: Iterable[AttendanceRow], registrants: Iterable[Any]) -> MatchResult:
    """Match each row to a registrant: by email (any case), then by name, Latin or local
    script (``normalise_name``: any case, any spacing), then by the same Latin words in
    another order ("Junfen Fu" for "Fu Junfen"). A name that two registrants share
    matches neither. Minutes are counted per registrant over all their rows, overlaps
    once, and rounded to whole minutes.

    ``registrants`` are objects with ``pk``, ``email``, ``name`` (Latin) and
    ``name_local``.
    """
    by_email: dict[str, set] = defaultdict(set)
    by_name: dict[str, set] = defaultdict(set)
    by_words: dict[str, set] = defaultdict(set)
    for person in registrants:
        pk = person.pk
        email = (getattr(person, "email", "") or "").strip().lower()
        if email:
            by_email[email].add(pk)
        for name in (getattr(person, "name", ""), getattr(person, "name_local", "")):
            if name and name.strip():
                by_name[normalise_name(name)].add(pk)
                if words := _name_tokens(name):
                    by_words[words].add(pk)

    rows_by_registrant: dict[Any, list[AttendanceRow]] = defaultdict(list)
    unmatched: list[Unmatched] = []
    for row in rows:
        pk, reason = _match_one(row, by_email, by_name, by_words)
        if pk is None:
            unmatched.append(Unmatched(row, reason))
        else:
            rows_by_registrant[pk].append(row)
    matched = {pk: int(_total(group) + 0.5) for pk, group in rows_by_registrant.items()}
    return MatchResult(matched, unmatched, dict(rows_by_registrant))


def _match_one(row, by_email, by_name, by_words) -> tuple[Any, str]:
    email = row.email.strip().lower()
    if email and len(by_email.get(email, ())) == 1:
        return next(iter(by_email[email])), ""
    names = [n for n in (row.name, *row.other_names) if n]
    for index, keyer in ((by_name, normalise_name), (by_words, _name_tokens)):
        candidates: set = set()
        for name in names:
            key = keyer(name)
            if key:
                candidates |= index.get(key, set())
        if len(candidates) == 1:
            return next(iter(candidates)), ""
        if len(candidates) > 1:
            return None, _(
                "%(count)d registrants share this name, and the row's email matches none "
                "of them: match it by hand."
            ) % {"count": len(candidates)}
    if email:
        return None, _("No registrant with this email or name.")
    return None, _("No registrant with this name, and the report gives no email.")
