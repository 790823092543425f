"""Attendance reports (Zoom, Tencent Meeting, any CSV) read into rows, merged per person
and matched to registrants. The sample reports in ``data/`` are laid out as the services
export them; their people are invented."""

import io
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from amity.registrations.attendance import (
    GENERIC,
    TENCENT,
    ZOOM,
    AttendanceRow,
    ColumnMapping,
    ReportError,
    RowError,
    UnknownColumns,
    combine,
    match_rows,
    parse_report,
    sniff_headers,
)

DATA = Path(__file__).parent / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _read(name: str, **kwargs):
    data = (DATA / name).read_bytes()
    return parse_report(data, filename=name, tz=kwargs.pop("tz", SHANGHAI), **kwargs)


def utc(hour: int, minute: int, second: int = 0, day: int = 26, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def _summary(report) -> list[tuple]:
    return [(r.row_number, r.name, r.email, r.minutes) for r in report.rows]


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# ----- the sample reports, row by row --------------------------------------------------


def test_zoom_meeting_report_reads_every_connection_below_the_meeting_block():
    report = _read("zoom_meeting_participants.csv")

    assert report.source == ZOOM
    assert report.errors == []
    assert report.headers[:5] == [
        "Name (Original Name)",
        "User Email",
        "Join Time",
        "Leave Time",
        "Duration (Minutes)",
    ]
    assert _summary(report) == [
        (5, "ZCH International Office", "intl.office@zch.example.cn", 98),
        (6, "Maria Gonzalez", "maria.gonzalez@hospital.example.org", 40),
        (7, "Maria Gonzalez", "maria.gonzalez@hospital.example.org", 52),
        (8, "Wang Xiaoming", "", 91),
        (9, "David Okafor", "david.okafor@clinic.example.com", 15),
        (10, "David Okafor", "david.okafor@clinic.example.com", 30),
        (11, "Lindqvist, Sarah", "", 71),
        (12, "iPhone", "", 2),
    ]
    maria = report.rows[1]
    # 08:01:02 PM in Hangzhou is 12:01:02 UTC.
    assert (maria.joined_at, maria.left_at) == (utc(12, 1, 2), utc(12, 40, 15))
    # A participant renamed in the meeting: "New (Original)".
    assert report.rows[3].other_names == ("王晓明",)


def test_zoom_rejoins_are_merged_and_overlapping_connections_count_once():
    totals = combine(_read("zoom_meeting_participants.csv").rows)

    assert totals == {
        "intl.office@zch.example.cn": 97.47,
        # 20:01:02–20:40:15 and 20:38:50–21:30:02 overlap: 89 minutes, not 40 + 52.
        "maria.gonzalez@hospital.example.org": 89.0,
        "wangxiaoming": 90.5,
        # 20:10–20:25 and 20:30–21:00: a break between, so 15 + 30.
        "david.okafor@clinic.example.com": 45.0,
        "lindqvist,sarah": 70.5,
        "iphone": 2.0,
    }


def test_zoom_webinar_report_reads_only_the_attendees_and_skips_those_who_did_not_come():
    report = _read("zoom_webinar_attendees.csv")

    assert report.source == ZOOM
    assert report.errors == []
    assert report.skipped == 1  # Zhao Min registered but did not attend
    assert _summary(report) == [
        (13, "Chen Jing", "chen.jing@hospital.example.cn", 91),
        (14, "Liu Yang", "liuyang@hospital.example.cn", 43),
        (15, "Liu Yang", "liuyang@hospital.example.cn", 41),
        (17, "Dr Tomás Ruiz", "t.ruiz@hospital.example.es", 66),
        (18, "Mobile user", "", 2),
    ]
    # The registration's first and last names help matching.
    assert report.rows[0].other_names == ("Jing Chen",)
    assert report.rows[1].other_names == ("刘洋", "Yang Liu")
    assert report.rows[3].other_names == ("Tomás Ruiz", "Ruiz Tomás")
    assert combine(report.rows)["liuyang@hospital.example.cn"] == 83.83


def test_tencent_meeting_chinese_export_reads_nicknames_durations_and_reports_bad_rows():
    report = _read("tencent_meeting_zh.csv")

    assert report.source == TENCENT
    assert _summary(report) == [
        (10, "浙大儿院国际交流处", "intl.office@zch.example.cn", 96.57),  # 1小时36分34秒
        (11, "李娜-宁波妇儿", "", 34.5),  # 34分30秒
        (12, "李娜-宁波妇儿", "", 57),
        (13, "Zhang Wei", "zhangwei@clinic.example.cn", 55),
        (14, "陈静", "", 75),  # 1小时15分
        (15, "周婷", "zhou.ting@hospital.example.cn", 0),
    ]
    # "account nickname(in-meeting nickname)": the in-meeting name first.
    assert report.rows[1].other_names == ("李娜",)
    assert report.rows[4].other_names == ("微信用户",)
    assert (report.rows[0].joined_at, report.rows[0].left_at) == (
        utc(11, 56, 31),
        utc(13, 33, 5),
    )
    assert report.errors == [
        RowError(16, "The leave time is before the join time.", "赵敏"),
        RowError(
            17,
            "The duration “半小时” is not a number of minutes or a time such as 1:05:00 or "
            "1小时5分.",
            "吴刚",
        ),
    ]
    # Two devices at once (20:33–20:35:40) count once.
    assert combine(report.rows)["李娜-宁波妇儿"] == 88.83


def test_tencent_meeting_english_export():
    report = _read("tencent_meeting_en.csv")

    assert report.source == TENCENT
    assert report.errors == []
    assert _summary(report) == [
        (10, "ZCH International Office", "intl.office@zch.example.cn", 96.57),
        (11, "Mei Lin - Loma Linda", "mei.lin@university.example.edu", 89.5),
        (12, "James Carter", "", 25),
        (13, "James Carter", "", 45),
        (14, "Noor Haddad", "noor.haddad@clinic.example.org", 50),
    ]
    assert report.rows[1].other_names == ("Mei",)
    assert combine(report.rows)["jamescarter"] == 70.0


def test_tencent_overview_saved_by_chinese_excel_in_gb18030_reads_right():
    report = _read("tencent_overview_gb18030.csv")

    assert report.source == TENCENT
    assert _summary(report) == [
        (10, "孙丽-温州医科大学", "", 88),  # 1:28:00, though 19:02–20:40 spans 98
        (11, "黄喆", "", 105),  # 喆 is outside GB2312: still read right
        (12, "郑晓东", "", 30),
    ]
    # Excel's "2026/12/3 19:02", in Hangzhou.
    assert report.rows[0].joined_at == utc(11, 2, day=3, month=12)
    assert report.errors == [
        RowError(
            13,
            "The duration “一小时” is not a number of minutes or a time such as 1:05:00 or "
            "1小时5分.",
            "冯雪",
        )
    ]
    assert report.skipped == 1  # the note under the table
    # An overview row has breaks inside its span: its own duration counts, not the span.
    assert combine(report.rows)["孙丽-温州医科大学"] == 88.0


def test_a_generic_csv_asks_for_its_columns_then_reads_with_the_mapping():
    data = (DATA / "generic_signin.csv").read_bytes()

    with pytest.raises(UnknownColumns) as refused:
        parse_report(data, filename="signin.csv", tz=SHANGHAI)
    assert refused.value.headers == ["Attendee", "E-mail", "Arrived", "Departed", "Organisation"]
    assert str(refused.value) == (
        "These columns are not those of a Zoom or Tencent Meeting report. Choose which "
        "column holds the name, the email, the times and the duration."
    )
    assert sniff_headers(data, "signin.csv") == refused.value.headers

    mapping = ColumnMapping(name="Attendee", email="E-mail", joined="Arrived", left="Departed")
    report = parse_report(data, filename="signin.csv", tz=SHANGHAI, mapping=mapping)

    assert report.source == GENERIC
    # No duration column: minutes are counted from the times; "26.11.2026" is day first.
    assert _summary(report) == [
        (2, "Ana Souza", "ana.souza@hospital.example.br", 88),
        (3, "Ana Souza", "ana.souza@hospital.example.br", 21),
        (4, "Kenji Watanabe", "", 30),
    ]
    assert report.rows[0].joined_at == utc(12, 1)
    assert report.errors == [
        RowError(
            6,
            "The leave time “yesterday” is not a date and time we can read.",
            "Priya Nair",
            "priya.nair@clinic.example.in",
        )
    ]
    assert combine(report.rows) == {"ana.souza@hospital.example.br": 90.0, "kenjiwatanabe": 30.0}


def test_a_mapping_naming_a_column_the_file_lacks_is_refused_with_the_headers():
    data = (DATA / "generic_signin.csv").read_bytes()
    mapping = ColumnMapping(name="Attendee", duration="Minutes")

    with pytest.raises(UnknownColumns) as refused:
        parse_report(data, filename="signin.csv", tz=SHANGHAI, mapping=mapping)

    assert str(refused.value) == "The columns you chose are not all in this file's header row."
    assert refused.value.headers[0] == "Attendee"


def test_a_mapping_without_duration_or_both_times_is_refused():
    with pytest.raises(ReportError, match="both the join and the leave columns"):
        parse_report(
            b"Name,Join\nA,2026-11-26 20:00\n",
            filename="x.csv",
            tz=SHANGHAI,
            mapping=ColumnMapping(name="Name", joined="Join"),
        )


def test_a_generic_duration_in_seconds():
    data = _csv("Participant\tSeconds online", "Ana Souza\t5400", "Kenji Watanabe\t90")
    mapping = ColumnMapping(name="Participant", duration="Seconds online", duration_unit="seconds")

    report = parse_report(data, filename="x.tsv", tz=SHANGHAI, mapping=mapping)

    assert _summary(report) == [(2, "Ana Souza", "", 90), (3, "Kenji Watanabe", "", 1.5)]


def test_sniff_headers_finds_the_table_below_a_preamble():
    data = (DATA / "tencent_meeting_zh.csv").read_bytes()

    assert sniff_headers(data, "x.csv") == [
        "序号",
        "用户昵称（入会昵称）",
        "邮箱",
        "手机号",
        "入会身份",
        "终端类型",
        "入会时间",
        "退会时间",
        "参会时长",
    ]


# ----- encodings, separators and file types -----------------------------------------------


def _zoom_text() -> str:
    return (DATA / "zoom_meeting_participants.csv").read_bytes().decode("utf-8-sig")


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-16"), id="utf-16 with BOM"),
        pytest.param(lambda text: text.encode("utf-16-le"), id="utf-16-le without BOM"),
        pytest.param(lambda text: text.encode("utf-16-be"), id="utf-16-be without BOM"),
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8 without BOM"),
        pytest.param(lambda text: text.encode("gb18030"), id="gb18030"),
    ],
)
def test_the_zoom_report_reads_the_same_in_any_encoding(encode):
    report = parse_report(encode(_zoom_text()), filename="z.csv", tz=SHANGHAI)

    assert report.rows[3].other_names == ("王晓明",)
    assert _summary(report) == _summary(_read("zoom_meeting_participants.csv"))


def test_a_tab_separated_utf16_export_as_excel_writes_unicode_text():
    lines = [
        "Name (Original Name)\tUser Email\tJoin Time\tLeave Time\tDuration (Minutes)\tGuest",
        "Wang Xiaoming (王晓明)\twang@example.cn\t11/26/2026 08:00:30 PM\t"
        "11/26/2026 09:31:00 PM\t91\tNo",
    ]
    data = "\r\n".join(lines).encode("utf-16")

    report = parse_report(data, filename="participants.txt", tz=SHANGHAI)

    assert _summary(report) == [(2, "Wang Xiaoming", "wang@example.cn", 91)]


def test_a_western_excel_csv_in_windows_1252_keeps_its_accents():
    data = (
        _csv(
            "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
            "José Müller,jose@example.es,11/26/2026 08:00:00 PM,11/26/2026 08:45:00 PM,45,No",
        )
        .decode("utf-8")
        .encode("cp1252")
    )

    report = parse_report(data, filename="z.csv", tz=SHANGHAI)

    assert _summary(report) == [(2, "José Müller", "jose@example.es", 45)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n  \r\n", "The file is empty."),
        (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "This file is not a spreadsheet or a CSV report.",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a spreadsheet or a CSV report."),
        (
            b"abc\x00\x01\x02\x03" + bytes(range(256)),
            "This file is not a spreadsheet or a CSV report.",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV "
            "and upload it again.",
        ),
        (b"PK\x03\x04not really a workbook", "This Excel workbook cannot be opened."),
        (bytes(4096), "This file is not a spreadsheet or a CSV report."),
        (b"\x00\x01\x02\x07" * 600, "This file is not a spreadsheet or a CSV report."),
    ],
)
def test_files_that_are_not_reports_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ReportError) as refused:
        parse_report(data, filename="report.csv", tz=SHANGHAI)

    assert str(refused.value) == message


def test_a_word_document_is_not_taken_for_a_workbook():
    import docx

    document = docx.Document()
    document.add_paragraph("Name, Join Time, Leave Time")
    buffer = io.BytesIO()
    document.save(buffer)

    with pytest.raises(ReportError) as refused:
        parse_report(buffer.getvalue(), filename="attendance.xlsx", tz=SHANGHAI)

    assert str(refused.value) == "This file is not a spreadsheet or a CSV report."


def test_a_tencent_workbook_reads_the_detail_sheet_with_real_dates_and_times():
    book = Workbook()
    overview = book.active
    overview.title = "成员参会概况"
    overview["A1"], overview["B1"] = "会议主题", "儿科康复远程查房"
    overview.cell(row=9, column=1, value="用户昵称（入会昵称）")
    overview.cell(row=9, column=2, value="累计参会时长")
    overview.cell(row=10, column=1, value="王晓明(王晓明)")
    overview.cell(row=10, column=2, value="1:36:34")
    detail = book.create_sheet("成员参会明细")
    detail["A1"], detail["B1"] = "会议主题", "儿科康复远程查房"
    detail["A2"], detail["B2"] = "会议号", "456 789 123"
    for column, header in enumerate(
        ["序号", "用户昵称（入会昵称）", "邮箱", "入会身份", "入会时间", "退会时间", "参会时长"], 1
    ):
        detail.cell(row=9, column=column, value=header)
    detail.append(
        [
            1,
            "王晓明(王晓明)",
            "WangXM@Hospital.example.cn",
            "主持人",
            datetime(2026, 11, 26, 19, 56, 31),
            datetime(2026, 11, 26, 21, 33, 5),
            time(1, 36, 34),
        ]
    )
    detail.append(
        [
            2,
            "李娜(李娜-宁波妇儿)",
            None,
            "普通参会者",
            datetime(2026, 11, 26, 20, 1, 10),
            datetime(2026, 11, 26, 20, 35, 40),
            34.5,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    report = parse_report(buffer.getvalue(), filename="members.xlsx", tz=SHANGHAI)

    assert report.source == TENCENT
    assert _summary(report) == [
        (10, "王晓明", "wangxm@hospital.example.cn", 96.57),
        (11, "李娜-宁波妇儿", "", 34.5),
    ]
    assert report.rows[0].joined_at == utc(11, 56, 31)


def test_newer_zoom_exports_repeat_the_meeting_on_each_row_and_the_participant_columns_win():
    data = _csv(
        "Topic,Meeting ID,User Name,User Email,Start Time,End Time,Duration (Minutes),"
        "Participants,Name (Original Name),User Email,Join Time,Leave Time,"
        "Duration (Minutes),Guest",
        "Grand Round,812 3456 7890,ZCH Office,host@zch.example.cn,26/11/2026 19:55,"
        "26/11/2026 21:32,98,3,Maria Gonzalez,maria@example.org,26/11/2026 20:01,"
        "26/11/2026 20:41,40,No",
    )

    report = parse_report(data, filename="z.csv", tz=SHANGHAI)

    assert _summary(report) == [(2, "Maria Gonzalez", "maria@example.org", 40)]
    assert report.rows[0].joined_at == utc(12, 1)  # 26/11: the day comes first


def test_a_meeting_block_naming_the_host_is_not_taken_for_the_participants_table():
    data = _csv(
        "Meeting ID,Topic,Start Time,End Time,User Name,User Email,Duration (Minutes),Participants",
        "812 3456 7890,Grand Round,11/26/2026 07:55:12 PM,11/26/2026 09:32:40 PM,ZCH Office,"
        "office@zch.example.cn,98,2",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
        "Maria Gonzalez,maria@example.org,11/26/2026 08:01:02 PM,11/26/2026 08:40:15 PM,40,No",
    )

    report = parse_report(data, filename="z.csv", tz=SHANGHAI)

    assert report.errors == []
    assert _summary(report) == [(5, "Maria Gonzalez", "maria@example.org", 40)]


def test_time_in_the_zoom_waiting_room_is_not_attendance():
    data = _csv(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
        "In Waiting Room",
        "Maria Gonzalez,maria@example.org,11/26/2026 07:50:00 PM,11/26/2026 08:00:00 PM,10,No,Yes",
        "Maria Gonzalez,maria@example.org,11/26/2026 08:00:00 PM,11/26/2026 09:00:00 PM,60,No,No",
    )

    report = parse_report(data, filename="z.csv", tz=SHANGHAI)

    assert _summary(report) == [(3, "Maria Gonzalez", "maria@example.org", 60)]
    assert report.skipped == 1


# ----- times and durations as people write them ------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "11/26/2026 08:01:02 PM",
        "11/26/2026 8:01:02 pm",
        "2026-11-26 20:01:02",
        "2026/11/26 20:01:02",
        "2026-11-26T20:01:02",
        "2026-11-26T12:01:02Z",
        "2026-11-26 13:01:02+01:00",
        "2026年11月26日 20:01:02",
        "2026/11/26 下午8:01:02",
        "2026/11/26 下午 08:01:02",
        "Nov 26, 2026 08:01:02 PM",
        "26 Nov 2026 20:01:02",
    ],
)
def test_join_times_in_every_common_form_mean_the_same_instant(written):
    data = _csv("Name,Join Time,Leave Time", f'Ana,"{written}",2026-11-26 21:00:00')

    report = parse_report(data, filename="x.csv", tz=SHANGHAI)

    assert report.errors == []
    assert report.rows[0].joined_at == utc(12, 1, 2)


def test_times_are_read_in_the_reports_zone_across_daylight_saving():
    data = _csv(
        "Name,Join Time,Leave Time",
        "Ana,2026-07-01 09:00:00,2026-07-01 10:00:00",
        "Ana,2026-12-01 09:00:00,2026-12-01 10:00:00",
    )

    report = parse_report(data, filename="x.csv", tz=ZoneInfo("America/New_York"))

    assert [r.joined_at for r in report.rows] == [
        datetime(2026, 7, 1, 13, 0, tzinfo=UTC),  # EDT, UTC-4
        datetime(2026, 12, 1, 14, 0, tzinfo=UTC),  # EST, UTC-5
    ]


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        ("45", 45),
        ("45.5", 45.5),
        ("1:02:03", 62.05),
        ("00:45:12", 45.2),
        ("1:30", 90),
        ("1小时2分", 62),
        ("1小时2分3秒", 62.05),
        ("45分钟", 45),
        ("30秒", 0.5),
        ("1h 2m", 62),
        ("1 hr 5 min", 65),
        ("2 hours", 120),
        ("90 min", 90),
    ],
)
def test_durations_in_every_common_form(written, minutes):
    data = _csv("Name,Duration", f"Ana,{written}")

    report = parse_report(data, filename="x.csv", tz=SHANGHAI)

    assert report.errors == []
    assert report.rows[0].minutes == minutes


def test_bad_rows_are_reported_by_row_number_and_the_others_still_read():
    data = _csv(
        "Name,Email,Join Time,Leave Time,Duration",
        "Ana Souza,ana@example.org,2026-11-26 20:00,2026-11-26 21:00,60",
        ",,2026-11-26 20:00,2026-11-26 21:00,60",
        "Kenji,,soon,2026-11-26 21:00,",
        "Priya,,2026-11-26 20:00,,",
        "Tom,,2026-11-26 20:00,2026-11-26 21:00,-5",
        "Lena,,2026-11-26 20:00,2026-11-26 21:00,lots",
        "",
        "Omar,not-an-email,2026-11-26 20:30,2026-11-26 21:00,",
        "Ines,,2026-13-40 20:00,2026-11-26 21:00,",
    )

    report = parse_report(data, filename="x.csv", tz=SHANGHAI)

    assert _summary(report) == [(2, "Ana Souza", "ana@example.org", 60), (9, "Omar", "", 30)]
    assert report.errors == [
        RowError(3, "This row has neither a name nor an email address."),
        RowError(4, "The join time “soon” is not a date and time we can read.", "Kenji"),
        RowError(
            5,
            "This row has no duration, and no join and leave times to count it from.",
            "Priya",
        ),
        RowError(6, "The duration is negative.", "Tom"),
        RowError(
            7,
            "The duration “lots” is not a number of minutes or a time such as 1:05:00 or 1小时5分.",
            "Lena",
        ),
        RowError(
            10, "The join time “2026-13-40 20:00” is not a date and time we can read.", "Ines"
        ),
    ]


# ----- combining rows -----------------------------------------------------------------


def _row(number, name, start, stop, minutes=None, email=""):
    joined = utc(*start) if start else None
    left = utc(*stop) if stop else None
    if minutes is None:
        minutes = (left - joined).total_seconds() / 60
    return AttendanceRow(number, name, email, joined, left, minutes)


def test_combine_counts_nested_and_chained_connections_once():
    rows = [
        _row(1, "Ana", (12, 0), (13, 0), email="ana@example.org"),
        _row(2, "Ana", (12, 10), (12, 20), email="ana@example.org"),  # inside the first
        _row(3, "Ana", (13, 0), (13, 30), email="ana@example.org"),  # right after
        _row(4, "Ana", (14, 0), (14, 5), email="ana@example.org"),  # after a break
        _row(5, "Kenji  Watanabe", None, None, minutes=20),  # no times: just adds
        _row(6, "KENJI WATANABE", (12, 0), (12, 10)),
    ]

    assert combine(rows) == {"ana@example.org": 95.0, "kenjiwatanabe": 30.0}


# ----- matching to registrants -------------------------------------------------------------


@dataclass
class Registrant:
    pk: int
    email: str
    name: str
    name_local: str = ""


REGISTRANTS = [
    Registrant(1, "Maria.Gonzalez@Hospital.example.org", "Maria Gonzalez"),
    Registrant(2, "wxm@zch.example.cn", "Wang Xiaoming", "王晓明"),
    Registrant(3, "fu.junfen@zch.example.cn", "Fu Junfen", "傅君芬"),
    Registrant(4, "sarah@example.se", "Sarah Lindqvist"),
    Registrant(5, "li.na@ningbo.example.cn", "Li Na", "李娜"),
    Registrant(6, "li.na2@wenzhou.example.cn", "Li Na", "李娜"),
    Registrant(7, "david.okafor@clinic.example.com", "David Okafor"),
]


def test_zoom_rows_match_by_email_then_by_name():
    report = _read("zoom_meeting_participants.csv")

    result = match_rows(report.rows, REGISTRANTS)

    assert result.matched == {
        1: 89,  # by email, whatever its case; two overlapping rows
        2: 91,  # "Wang Xiaoming (王晓明)": by name
        7: 45,  # by email, two rows
        4: 71,  # "Lindqvist, Sarah": the same words in another order
    }
    assert [(u.row.row_number, u.reason) for u in result.unmatched] == [
        (5, "No registrant with this email or name."),
        (12, "No registrant with this name, and the report gives no email."),
    ]
    assert [r.row_number for r in result.rows_by_registrant[1]] == [6, 7]


def test_chinese_names_match_whatever_the_spacing_and_width():
    rows = [
        _row(1, "傅 君芬", (12, 0), (12, 30)),
        _row(2, "ｆｕ　ｊｕｎｆｅｎ", (12, 25), (13, 0)),  # full-width, on a phone
        _row(3, "浙大儿院-傅君芬", (13, 5), (13, 10)),
    ]

    result = match_rows(rows, REGISTRANTS)

    assert result.matched == {3: 60}  # 12:00–13:00, the overlap once
    assert [(u.row.row_number, u.reason) for u in result.unmatched] == [
        (3, "No registrant with this name, and the report gives no email.")
    ]


def test_tencent_rows_match_the_account_nickname_when_the_meeting_name_does_not():
    rows = [
        AttendanceRow(11, "王晓明-浙大儿院", "", utc(12, 0), utc(12, 40), 40, ("王晓明",)),
    ]

    assert match_rows(rows, REGISTRANTS).matched == {2: 40}


def test_a_name_two_registrants_share_matches_neither():
    report = _read("tencent_meeting_zh.csv")

    result = match_rows(report.rows, REGISTRANTS)

    li_na = [u for u in result.unmatched if u.row.row_number in (11, 12)]
    assert [u.reason for u in li_na] == [
        "2 registrants share this name, and the row's email matches none of them: match it by hand."
    ] * 2
    assert 5 not in result.matched and 6 not in result.matched


def test_an_email_settles_a_shared_name():
    rows = [AttendanceRow(2, "Li Na", "LI.NA2@wenzhou.example.cn", None, None, 50)]

    assert match_rows(rows, REGISTRANTS).matched == {6: 50}


def test_an_unknown_email_falls_back_to_the_name():
    rows = [AttendanceRow(2, "Fu Junfen", "junfen.personal@mail.example.com", None, None, 42.6)]

    result = match_rows(rows, REGISTRANTS)

    assert result.matched == {3: 43}
    assert result.unmatched == []


def test_rows_of_one_registrant_under_two_emails_still_count_overlaps_once():
    rows = [
        _row(1, "Maria Gonzalez", (12, 0), (13, 0), email="maria.gonzalez@hospital.example.org"),
        _row(2, "Maria Gonzalez", (12, 30), (13, 30), email="maria@home.example.com"),
    ]

    assert match_rows(rows, REGISTRANTS).matched == {1: 90}
