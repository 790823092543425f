"""Demo of group registration and merged attendance (issue #16):

- on the nationwide webinar, a team of a provincial children's hospital registered with a
  group link (used), and an open link for another hospital's team;
- on the 2020 talk, its session's Zoom room report and its bilibili livestream export,
  merged per person: the minutes they give each registrant are those the demo gave them,
  now coming from both platforms (in the room, on the stream, or both with some overlap).

The rows are written as the services would write them, without emails (as the other
demo registrations). Loading twice adds nothing."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from amity.events.models import Activity
from amity.registrations import groups
from amity.registrations.attendance import parse_report
from amity.registrations.attendance_import import attendance_import
from amity.registrations.models import GroupSubmission, Registration, RegistrationStatus

TEAM = [
    ("胡", "Hu", "晓", "Xiao", "physician"),
    ("罗", "Luo", "敏", "Min", "physician"),
    ("郭", "Guo", "婷", "Ting", "nurse"),
    ("何", "He", "斌", "Bin", "nurse"),
    ("高", "Gao", "洁", "Jie", "therapist"),
    ("林", "Lin", "涛", "Tao", "student"),
]
TEAM_LABEL = "Wuhan Children's Hospital, Endocrinology"


def load_group_demo(webinar_title: str, talk_title: str) -> int:
    """Add the demo's group link, team and merged reports; the number of rows added."""
    created = 0
    webinar = Activity.objects.filter(title=webinar_title).first()
    if webinar is not None and not webinar.group_links.exists():
        created += _team(webinar)
    talk = Activity.objects.filter(title=talk_title).first()
    if talk is not None and not talk.attendance_imports.exists():
        created += _merged_reports(talk)
    return created


def _team(webinar: Activity) -> int:
    now = timezone.now()
    link, _token = groups.group_link_create(
        activity=webinar,
        label=TEAM_LABEL,
        expires_at=now + timedelta(days=10),
        user=None,
    )
    groups.group_link_create(
        activity=webinar,
        label="Kunming Children's Hospital, Nursing",
        expires_at=now + timedelta(days=14),
        user=None,
    )
    people = []
    for n, (family, family_latin, given, given_latin, profession) in enumerate(TEAM):
        people.append(
            Registration(
                activity=webinar,
                status=RegistrationStatus.CONFIRMED,
                family_name=family_latin.upper(),
                given_name=given_latin,
                name_local=f"{family}{given}",
                email=f"{given_latin.lower()}.{family_latin.lower()}.{n}@whch.example.cn",
                institution="Wuhan Children's Hospital",
                country="CN",
                profession=profession,
                time_zone="Asia/Shanghai",
                language="zh-hans",
                consent_at=now,
                queued_at=now,
                created_at=now,
            )
        )
    Registration.objects.bulk_create(people)
    link.used_at = now
    link.save(update_fields=["used_at"])
    submission = GroupSubmission.objects.create(
        activity=webinar,
        link=link,
        label=TEAM_LABEL,
        created_at=now,
        rows=len(people),
        confirmed=len(people),
    )
    submission.registrations.add(*Registration.objects.filter(email__endswith="@whch.example.cn"))
    return len(people) + 3


def _table(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _merged_reports(talk: Activity) -> int:
    """A room report and a stream export that, merged, give each registrant the minutes
    the demo recorded: the first part in the room, the rest on the stream, with ten
    minutes of overlap for those who had both open."""
    session = talk.sessions.order_by("starts_at").first()
    if session is None:
        return 0
    zone = ZoneInfo("Asia/Shanghai")
    start = session.starts_at.astimezone(zone).replace(tzinfo=None)
    room = [["Name (Original Name)", "User Email", "Join Time", "Leave Time",
             "Duration (Minutes)", "Guest"]]  # fmt: skip
    stream = [["观众昵称", "手机号", "邮箱", "观看时长(分钟)", "进入时间", "离开时间"]]

    def stamp(moment):
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    people = Registration.objects.filter(activity=talk, minutes_attended__gt=0).order_by("pk")
    for n, person in enumerate(people):
        minutes = person.minutes_attended
        name = f"{person.given_name} {person.family_name}"
        email, local = person.email, person.name_local or name
        if n % 3 == 0 or minutes < 30:  # in the room only
            end = start + timedelta(minutes=minutes)
            room.append([name, email, stamp(start), stamp(end), minutes, "No"])
        elif n % 3 == 1:  # on the stream only
            end = start + timedelta(minutes=minutes)
            stream.append([local, "", email, minutes, stamp(start), stamp(end)])
        else:  # the room first, then the stream, ten minutes of both
            split = minutes // 2
            left = start + timedelta(minutes=split + 10)
            room.append([name, email, stamp(start), stamp(left), split + 10, "No"])
            joined, end = start + timedelta(minutes=split), start + timedelta(minutes=minutes)
            stream.append([local, "", email, minutes - split, stamp(joined), stamp(end)])
    room.append(["iPhone", "", stamp(start), stamp(start + timedelta(minutes=25)), 25, "Yes"])
    for n in range(40):  # viewers who never registered, known by their phone
        stream.append([f"手机用户{n}", f"1390571{n:04d}", "", 15 + n, "", ""])
    for filename, rows, platform, name in (
        ("zoom_participants_20200516.csv", room, "room", ""),
        ("bilibili_viewers_20200516.csv", stream, "stream", "bilibili"),
    ):
        attendance_import(
            activity=talk,
            session=session,
            filename=filename,
            parsed=parse_report(_table(rows), filename=filename, tz=zone),
            user=None,
            platform=platform,
            platform_name=name,
        )
    return 2
