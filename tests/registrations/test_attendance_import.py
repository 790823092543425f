"""Reading a real-layout attendance report into an activity through its page."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amity.registrations import services
from amity.registrations.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)

DATA = Path(__file__).parent / "data"


def _register(activity, **fields):
    registration = services.registration_create(
        activity=activity,
        fields={"family_name": "", "time_zone": "Asia/Shanghai", **fields},
    ).registration
    return registration


@pytest.fixture
def registrants(webinar):
    return {
        "li": _register(webinar, family_name="Li", given_name="Na", name_local="李娜",
                        email="li.na@nbwch.example.cn"),
        "zhang": _register(webinar, family_name="Zhang", given_name="Wei",
                           email="zhangwei@clinic.example.cn"),
        "chen": _register(webinar, family_name="Chen", given_name="Jing", name_local="陈静",
                          email="chen.jing@example.cn"),
        "absent": _register(webinar, family_name="Wu", given_name="Lei",
                            email="wu.lei@example.cn"),
    }  # fmt: skip


def _upload(client, activity, name, **extra):
    data = (DATA / name).read_bytes()
    return client.post(
        f"/activities/{activity.pk}/attendance/",
        {"file": SimpleUploadedFile(name, data), "time_zone": "Asia/Shanghai", **extra},
    )


def test_a_tencent_report_in_chinese_counts_minutes_and_lists_what_did_not_match(
    webinar, registrants, world, login
):
    client = login(world.office)

    response = _upload(client, webinar, "tencent_meeting_zh.csv")
    report = client.get(response["Location"])

    minutes = dict(Registration.objects.values_list("family_name", "minutes_attended"))
    assert minutes == {"Li": 89, "Zhang": 55, "Chen": 75, "Wu": None}
    assert "8 rows read; 3 registrants matched; 4 rows did not match." in report.text
    unmatched = [(line["row"], line["message"]) for line in report.context["unmatched"]]
    assert unmatched == [
        (10, "No registrant with this email or name."),
        (15, "No registrant with this email or name."),
        (16, "The leave time is before the join time."),
        (17, "The duration “半小时” is not a number of minutes or a time such as 1:05:00 or "
             "1小时5分."),
    ]  # fmt: skip


def test_reading_the_same_session_again_replaces_the_minutes(webinar, registrants, world, login):
    client = login(world.office)
    session = webinar.sessions.get()
    _upload(client, webinar, "tencent_meeting_zh.csv", session=session.pk)
    _upload(client, webinar, "tencent_meeting_zh.csv", session=session.pk)

    assert Registration.objects.get(family_name="Zhang").minutes_attended == 55


def test_an_unknown_table_asks_for_its_columns_then_reads_with_them(
    webinar, registrants, world, login
):
    client = login(world.office)
    first = _upload(client, webinar, "generic_signin.csv")
    assert first.status_code == 422
    assert "Columns found in the file:" in first.text

    assert first.context["headers"] == ["Attendee", "E-mail", "Arrived", "Departed",
                                         "Organisation"]  # fmt: skip
    _register(webinar, family_name="Souza", given_name="Ana", email="ana.souza@hospital.example.br")

    second = _upload(
        client, webinar, "generic_signin.csv", name_column="Attendee", email_column="E-mail",
        joined_column="Arrived", left_column="Departed",
    )  # fmt: skip

    assert second.status_code == 302
    # 20:01–21:29 and 21:10–21:31 overlap: 90 minutes, not 109.
    assert Registration.objects.get(family_name="Souza").minutes_attended == 90


def test_check_in_by_hand(webinar, registrants, world, login):
    client = login(world.office)
    target = registrants["absent"]

    client.post(f"/activities/{webinar.pk}/attendance/{target.pk}/check-in/", {"present": "1"})

    target.refresh_from_db()
    assert target.checked_in is True
    page = client.get(f"/activities/{webinar.pk}/attendance/?q=wu.lei")
    assert "Checked in — undo" in page.text


def test_a_row_that_cannot_be_read_keeps_its_name_and_email_in_the_report(
    webinar, registrants, world, login
):
    """Rows with unreadable times or durations are listed with the name and email they
    carry, so the organiser knows whose attendance to check."""
    client = login(world.office)

    response = _upload(client, webinar, "tencent_meeting_zh.csv")
    report = client.get(response["Location"])

    problems = [
        (line["row"], line["name"], line["message"]) for line in report.context["unmatched"]
    ][2:]
    assert problems == [
        (16, "赵敏", "The leave time is before the join time."),
        (17, "吴刚", "The duration “半小时” is not a number of minutes or a time such as "
                   "1:05:00 or 1小时5分."),
    ]  # fmt: skip
    assert '<td data-label="Name">赵敏</td>' in report.text


def test_attendance_pages_show_the_source_by_name_and_dates_in_the_viewers_zone(
    webinar, registrants, world, login
):
    """The reports read are listed with the service's name (not "tencent") and the time
    they were read in the viewer's zone and language; each cell of the tables carries its
    column's name, so that on a phone the rows read as cards."""
    client = login(world.office)
    client.cookies["amity_tz"] = "Asia/Shanghai"
    _upload(client, webinar, "tencent_meeting_zh.csv")
    webinar.attendance_imports.update(created_at=datetime(2026, 11, 27, 7, 51, tzinfo=UTC))

    page = client.get(f"/activities/{webinar.pk}/attendance/")
    chinese = client.get(
        f"/activities/{webinar.pk}/attendance/", headers={"accept-language": "zh-hans"}
    )

    assert '<td data-label="Source">Tencent Meeting</td>' in page.text
    assert '<td data-label="Date">Fri 27 Nov 2026, 15:51</td>' in page.text
    assert '<td data-label="Email">li.na@nbwch.example.cn</td>' in page.text
    assert ">2026年11月27日 星期五 15:51</td>" in chinese.text
