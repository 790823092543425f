"""One session's attendance from its room report and its livestream export, merged per
person: in the room and on the stream counts once, overlapping time once."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amity.registrations import services
from amity.registrations.attendance import AttendanceRow
from amity.registrations.attendance_merge import merge_person, peak_concurrent, presence
from amity.registrations.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Li Na,li.na@nbwch.example.cn,04/17/2027 08:00:00 AM,04/17/2027 09:00:00 AM,60,No\n"
    "Zhang Wei,,04/17/2027 08:00:00 AM,04/17/2027 08:30:00 AM,30,Yes\n"
    "Visitor,,04/17/2027 08:10:00 AM,04/17/2027 08:40:00 AM,30,Yes\n"
)
STREAM = (
    "观众昵称,手机号,邮箱,观看时长(分钟),进入时间,离开时间\n"
    "李娜,,li.na@nbwch.example.cn,45,2027-04-17 08:45:00,2027-04-17 09:30:00\n"
    "Zhang Wei,13800138000,,40,,\n"
    "陈静,,,50,,\n"
    "手机用户,+86 139-0013-9000,,20,,\n"
)


def _row(start: int, end: int, minutes: float | None = None) -> AttendanceRow:
    def at(minute):
        return datetime(2027, 4, 17, tzinfo=UTC) + timedelta(minutes=minute)

    return AttendanceRow(
        1, "x", "", at(start), at(end), end - start if minutes is None else minutes
    )


def test_time_in_the_room_and_on_the_stream_at_once_counts_once():
    room = presence([_row(0, 40)])
    stream = presence([_row(30, 50)])

    assert merge_person([room, stream], session_minutes=90) == 50.0


def test_minutes_without_times_add_up_but_never_beyond_the_session():
    room = presence([_row(0, 50)])
    stream = presence([AttendanceRow(2, "x", "", None, None, 70.0)])

    assert merge_person([room, stream], session_minutes=90) == 90.0
    assert merge_person([room, presence([AttendanceRow(2, "x", "", None, None, 20.0)])], 90) == 70


def test_the_room_peak_counts_a_person_on_two_devices_once():
    alice = presence([_row(0, 30), _row(10, 40)])
    bob = presence([_row(30, 60)])

    assert peak_concurrent([{"r1": alice, "r2": bob}]) == 2
    assert peak_concurrent([{"r1": {"l": 30.0}}]) is None


def _register(activity, **fields):
    return services.registration_create(
        activity=activity, fields={"time_zone": "Asia/Shanghai", **fields}
    ).registration


def _upload(client, activity, name, text, **extra):
    return client.post(
        f"/activities/{activity.pk}/attendance/",
        {
            "file": SimpleUploadedFile(name, text.encode("utf-8")),
            "time_zone": "Asia/Shanghai",
            "session": activity.sessions.get().pk,
            **extra,
        },
    )


def test_a_room_report_and_a_stream_export_merge_into_one_figure_per_person(webinar, world, login):
    _register(
        webinar,
        family_name="Li",
        given_name="Na",
        name_local="李娜",
        email="li.na@nbwch.example.cn",
    )
    _register(webinar, family_name="Zhang", given_name="Wei", email="zhang.wei@example.cn")
    _register(webinar, family_name="Chen", given_name="Jing", name_local="陈静",
              email="chen.jing@example.cn")  # fmt: skip
    client = login(world.office)

    _upload(client, webinar, "zoom.csv", ROOM, platform="room")
    _upload(client, webinar, "stream.csv", STREAM, platform="stream", platform_name="bilibili")

    minutes = dict(Registration.objects.values_list("family_name", "minutes_attended"))
    # Li: room 08:00–09:00 and stream 08:45–09:30 → 90, not 105. Zhang: 30 in the room
    # and 40 on the stream without times → 70. Chen: only on the stream.
    assert minutes == {"Li": 90, "Zhang": 70, "Chen": 50}
    page = client.get(f"/activities/{webinar.pk}/attendance/")
    (figures,) = page.context["figures"]
    assert (figures.room_people, figures.room_peak, figures.stream_viewers, figures.unique) == (
        3,
        3,
        4,
        5,
    )
    assert figures.platforms == [("Zoom", "room", 3), ("bilibili", "stream", 4)]
    assert "Zoom (room): 3; bilibili (livestream): 4" in page.text
    assert page.context["certificates"]["eligible"] == 3


def test_reading_the_stream_again_replaces_only_the_stream(webinar, world, login):
    _register(webinar, family_name="Li", given_name="Na", name_local="李娜",
              email="li.na@nbwch.example.cn")  # fmt: skip
    client = login(world.office)
    _upload(client, webinar, "zoom.csv", ROOM)
    _upload(client, webinar, "stream.csv", STREAM, platform="stream")
    _upload(client, webinar, "stream.csv", STREAM, platform="stream")

    assert Registration.objects.get().minutes_attended == 90
    (figures,) = client.get(f"/activities/{webinar.pk}/attendance/").context["figures"]
    assert figures.platforms == [("Zoom", "room", 3), ("Livestream", "stream", 4)]


def test_the_attendance_export_has_the_figures_and_each_persons_minutes(webinar, world, login):
    _register(webinar, family_name="Li", given_name="Na", name_local="李娜",
              email="li.na@nbwch.example.cn")  # fmt: skip
    client = login(world.office)
    _upload(client, webinar, "zoom.csv", ROOM)
    _upload(client, webinar, "stream.csv", STREAM, platform="stream")

    response = client.get(f"/activities/{webinar.pk}/attendance.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Session", "People in the room", "Room peak (at once)",
                       "Livestream viewers", "Unique attendees"]  # fmt: skip
    assert rows[1][1:] == ["3", "3", "4", "6"]
    li = next(row for row in rows if "li.na@nbwch.example.cn" in row)
    assert li[1:] == ["李娜 (Na Li)", "li.na@nbwch.example.cn", "yes", "60", "45", "90"]
    assert login(world.staff).get(f"/activities/{webinar.pk}/attendance.csv").status_code == 403
