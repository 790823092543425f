"""Group registration: a coordinator's table checked row by row, then everyone registered
at once, places and waiting list as for one person, each with their own email."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from amity.registrations import groups, rooms, services
from amity.registrations.models import GroupLink, GroupSubmission, Registration, WayIn
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = (
    "姓名,拼音,邮箱,职业,时区\n"
    "傅君芬,FU Junfen ,fu.junfen@zju.example.cn,医生,\n"
    "李娜,Li Na,ｌｉ．ｎａ＠zju.example.cn,护士,Asia/Shanghai\n"
    "陈静,Chen Jing,chen.jing@zju.example.cn,Therapist,Asia/Urumqi\n"
)
BAD = (
    "姓名,拼音,邮箱,职业\n"
    "傅君芬,FU Junfen,fu.junfen@zju.example.cn,医生\n"
    "李娜,Li Na,li.na-at-zju.example.cn,护士\n"
    "陈静,Chen Jing,fu.junfen@zju.example.cn,医生\n"
    "王伟,Wang Wei,wang.wei@zju.example.cn,厨师\n"
)


@pytest.fixture
def partnered(webinar, world):
    webinar.partners.add(world.partner)
    return webinar


def _check(client, activity, content: bytes, name="team.csv"):
    return client.post(
        f"/activities/{activity.pk}/team/", {"file": SimpleUploadedFile(name, content)}
    )


def _confirm(client, url, preview, consent=True):
    data = {"confirm": "1", "rows": preview.context["check"].table.as_json()}
    if consent:
        data["consent"] = "1"
    return client.post(url, data)


def test_a_table_with_bad_rows_saves_nothing_and_names_every_problem(partnered, world, login):
    client = login(world.partner_contact)

    response = _check(client, partnered, BAD.encode("gb18030"))

    assert response.status_code == 422
    problems = [(p.row, p.column, p.message) for p in response.context["check"].problems]
    assert problems == [
        (3, "邮箱", "“li.na-at-zju.example.cn” is not an email address."),
        (4, "邮箱", "The same email address as row 2: each person once."),
        (5, "职业", "“厨师” is not one of the professions: Physician, Nurse, Therapist, "
                  "Pharmacist, Researcher, Student or trainee, Administrator, Other."),
    ]  # fmt: skip
    assert "The table has 3 problems. Nothing was registered" in response.text
    assert "“li.na-at-zju.example.cn” is not an email address." in response.text
    assert Registration.objects.count() == 0


def test_problems_are_told_in_the_page_language(partnered, world, login):
    client = login(world.partner_contact)

    response = client.post(
        f"/activities/{partnered.pk}/team/",
        {"table": "姓名\t邮箱\t时区\n李娜\tli.na@zju.example.cn\t北京时间\n"},
        headers={"accept-language": "zh-hans"},
    )

    (problem,) = response.context["check"].problems
    assert (problem.row, problem.column) == (2, "时区")
    assert problem.message == "“北京时间”不是有效的时区；请使用 Asia/Shanghai 这样的名称。"


def test_a_partner_contact_checks_then_registers_the_team_places_then_waiting_list(
    partnered, world, login, smtp_server, run_worker
):
    services.registration_settings_save(activity=partnered, fields={"capacity": 2})
    client = login(world.partner_contact)
    url = f"/activities/{partnered.pk}/team/"

    preview = _check(client, partnered, b"\xef\xbb\xbf" + GOOD.encode())
    assert preview.status_code == 200
    assert "3 people ready to register" in preview.text
    assert Registration.objects.count() == 0

    done = client.get(_confirm(client, url, preview)["Location"])

    people = {r.email: r for r in Registration.objects.all()}
    found = [
        (r.name_local, r.family_name, r.status, r.time_zone, r.profession) for r in people.values()
    ]
    assert found == [
        ("傅君芬", "FU Junfen", "confirmed", "America/Los_Angeles", "physician"),
        ("李娜", "Li Na", "confirmed", "Asia/Shanghai", "nurse"),
        ("陈静", "Chen Jing", "waiting", "Asia/Urumqi", "therapist"),
    ]  # fmt: skip
    assert set(people) == {
        "fu.junfen@zju.example.cn",
        "li.na@zju.example.cn",
        "chen.jing@zju.example.cn",
    }
    assert all(r.institution == "Loma Linda University" for r in people.values())
    assert "2 registered, 1 on the waiting list, 0 already registered before" in done.text
    assert "傅君芬 (FU Junfen)" in done.text
    submission = GroupSubmission.objects.get()
    assert (submission.institution, submission.submitted_by) == (
        world.partner,
        world.partner_contact,
    )
    assert submission.registrations.count() == 3

    run_worker()
    run_worker()
    subjects = sorted((m["To"], m["Subject"].split(":")[0]) for m in smtp_server.messages)
    assert subjects == [
        ("chen.jing@zju.example.cn", "You are on the waiting list"),
        ("fu.junfen@zju.example.cn", "You are registered"),
        ("li.na@zju.example.cn", "You are registered"),
    ]
    bodies = [m.get_body(("plain",)).get_content() for m in smtp_server.messages]
    assert all("/registration/" in body for body in bodies)


def test_confirming_needs_the_privacy_notice_confirmed(partnered, world, login):
    client = login(world.partner_contact)
    preview = _check(client, partnered, GOOD.encode())

    response = _confirm(client, f"/activities/{partnered.pk}/team/", preview, consent=False)

    assert response.status_code == 422
    assert "Confirm that everyone in the table has read the privacy notice" in response.text
    assert Registration.objects.count() == 0


def test_an_excel_table_with_english_headers_and_addresses_already_registered(
    partnered, world, login
):
    services.registration_create(
        activity=partnered, fields={**registrant(1), "email": "amy.ng@lluh.example.org"}
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["Family name", "Given name", "Email", "Profession", "Language"])
    sheet.append(["Ng", "Amy", "Amy.Ng@lluh.example.org ", "Nurse", "English"])
    sheet.append(["Park", "Joon", "joon.park@lluh.example.org", None, "中文"])
    data = io.BytesIO()
    book.save(data)
    client = login(world.partner_contact)

    preview = _check(client, partnered, data.getvalue(), "team.xlsx")
    notes = [(n.row, n.message) for n in preview.context["check"].notes]
    assert notes == [
        (2, "Already registered for this activity: not registered again; the address is sent "
            "the link to its registration."),
    ]  # fmt: skip
    _confirm(client, f"/activities/{partnered.pk}/team/", preview)

    assert Registration.objects.filter(email="amy.ng@lluh.example.org").count() == 1
    park = Registration.objects.get(email="joon.park@lluh.example.org")
    assert (park.family_name, park.given_name, park.language) == ("Park", "Joon", "zh-hans")
    submission = GroupSubmission.objects.get()
    assert (submission.confirmed, submission.already) == (1, 1)


def test_a_table_without_the_needed_columns_is_refused_as_a_whole(partnered, world, login):
    client = login(world.partner_contact)

    response = client.post(f"/activities/{partnered.pk}/team/", {"table": "Who\tWhere\nA\tB\n"})

    (problem,) = response.context["check"].problems
    assert problem.row is None
    assert problem.message.startswith("No header row found.")


def test_only_partner_contacts_of_the_activitys_partners_and_organisers_register_teams(
    partnered, world, login
):
    assert login(world.staff).get(f"/activities/{partnered.pk}/team/").status_code == 403
    assert login(None).get(f"/activities/{partnered.pk}/team/").status_code == 302
    partnered.partners.clear()
    assert login(world.partner_contact).get(f"/activities/{partnered.pk}/team/").status_code == 403
    page = login(world.office).get(f"/activities/{partnered.pk}/team/")
    assert "Register a team for Paediatric Endocrinology Webinar" in page.text


def test_a_partner_contact_sees_only_their_own_institutions_teams(partnered, world, login):
    table = groups.read_team_table(GOOD)
    other, _check = groups.group_register(
        activity=partnered, table=table, user=world.office, label="Someone else's team"
    )
    client = login(world.partner_contact)

    response = client.get(f"/activities/{partnered.pk}/team/{other.pk}/")

    assert response.status_code == 404


def test_a_group_link_registers_one_team_once(webinar, world, login):
    office = login(world.office)
    page = office.post(
        f"/activities/{webinar.pk}/group-links/",
        {"institution": world.other_partner.pk, "label": "", "days": 7},
    )
    url = page.context["new_link"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = GroupLink.objects.get()
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert (link.label, link.created_by) == ("Great Ormond Street Hospital", world.office)

    coordinator = Client()
    path = f"/team/{token}/"
    assert "Team: Great Ormond Street Hospital" in coordinator.get(path).text
    preview = coordinator.post(path, {"table": GOOD})
    done = coordinator.get(_confirm(coordinator, path, preview)["Location"])

    assert "3 registered, 0 on the waiting list" in done.text
    assert Registration.objects.filter(institution="Great Ormond Street Hospital").count() == 3
    link.refresh_from_db()
    assert link.used_at is not None
    again = Client().get(path)
    assert again.status_code == 410
    assert "This group registration link has been used" in again.text
    listing = office.get(f"/activities/{webinar.pk}/group-links/")
    assert "Great Ormond Street Hospital" in listing.text
    assert [s.confirmed for s in listing.context["submissions"]] == [3]


def test_a_revoked_or_expired_link_registers_nobody(webinar, world, login):
    revoked, token = groups.group_link_create(
        activity=webinar, label="Team A", expires_at=timezone.now() + timedelta(days=1),
        user=world.office,
    )  # fmt: skip
    login(world.office).post(f"/activities/{webinar.pk}/group-links/", {"revoke": revoked.pk})
    expired, old = groups.group_link_create(
        activity=webinar, label="Team B", expires_at=timezone.now() - timedelta(minutes=1),
        user=world.office,
    )  # fmt: skip

    first = Client().post(f"/team/{token}/", {"table": GOOD})
    second = Client().get(f"/team/{old}/")

    assert first.status_code == 410
    assert "has been revoked" in first.text
    assert second.status_code == 410
    assert "has expired" in second.text
    assert Client().get("/team/not-a-token/").status_code == 404
    assert Registration.objects.count() == 0


def test_a_table_of_the_same_rows_checked_again_at_confirmation(partnered, world, login):
    """A row changed between the check and the confirmation is checked again: a bad
    hidden table saves nothing."""
    client = login(world.partner_contact)
    table = groups.table_from_rows([{"name_latin": "Li Na", "email": "not-an-address"}])

    response = client.post(
        f"/activities/{partnered.pk}/team/",
        {"confirm": "1", "consent": "1", "rows": table.as_json()},
    )

    assert response.status_code == 422
    assert Registration.objects.count() == 0


def test_a_cancelled_address_in_the_table_is_registered_afresh(partnered, world):
    earlier = services.registration_create(
        activity=partnered, fields={**registrant(1), "email": "li.na@zju.example.cn"}
    ).registration
    services.registration_cancel(registration=earlier)
    old_uid = earlier.uid

    submission, _check = groups.group_register(
        activity=partnered, table=groups.read_team_table(GOOD), user=world.partner_contact,
        institution=world.partner,
    )  # fmt: skip

    again = Registration.objects.get(email="li.na@zju.example.cn")
    assert (again.status, again.name_local) == ("confirmed", "李娜")
    assert again.uid != old_uid
    assert (submission.confirmed, submission.already) == (3, 0)
    assert Registration.objects.count() == 3


def test_a_closed_activity_registers_no_team(partnered, world, login):
    services.registration_settings_save(activity=partnered, fields={"is_open": False})
    client = login(world.partner_contact)
    preview = _check(client, partnered, GOOD.encode())

    response = _confirm(client, f"/activities/{partnered.pk}/team/", preview)

    assert response.status_code == 409
    assert "Registration for this activity is closed." in response.text
    assert Registration.objects.count() == 0


def test_with_a_room_and_a_livestream_the_team_fills_the_room_then_the_stream(partnered, world):
    room, _moved = rooms.way_in_save(
        way_in=WayIn(activity=partnered),
        fields={"kind": "room", "platform": "Zoom", "url": "https://zoom.us/j/1", "capacity": 2},
    )
    stream, _moved = rooms.way_in_save(
        way_in=WayIn(activity=partnered),
        fields={"kind": "stream", "platform": "bilibili", "url": "https://live.example.cn/1"},
    )

    groups.group_register(
        activity=partnered, table=groups.read_team_table(GOOD), user=world.partner_contact,
        institution=world.partner,
    )  # fmt: skip

    ways = dict(Registration.objects.values_list("email", "way_in"))
    assert sorted(ways.values()).count(room.pk) == 2
    assert list(ways.values()).count(stream.pk) == 1
    assert set(Registration.objects.values_list("status", flat=True)) == {"confirmed"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_column_names_the_page_shows_are_read_back_as_a_header(language):
    """A coordinator who copies the column names shown on the page, in either language,
    gets every column recognised."""
    from django.utils import translation

    with translation.override(language):
        labels = [str(groups.FIELD_LABELS[name]) for name in groups.COLUMNS]
    header = groups._header(labels)
    assert header == {name: index for index, name in enumerate(groups.COLUMNS)}


def test_the_organisers_export_names_the_team_each_person_came_with(partnered, world, login):
    client = login(world.partner_contact)
    url = f"/activities/{partnered.pk}/team/"
    preview = _check(client, partnered, GOOD.encode())
    _confirm(client, url, preview)
    services.registration_create(
        activity=partnered,
        fields={k: v for k, v in registrant(7).items() if k != "consent"},
    )

    body = login(world.office).get(f"/activities/{partnered.pk}/registrants.csv").content
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    teams = {row["Email"]: row["Team"] for row in table}
    team = GroupSubmission.objects.get().label
    assert team == world.partner.name
    assert teams == {
        "fu.junfen@zju.example.cn": team,
        "li.na@zju.example.cn": team,
        "chen.jing@zju.example.cn": team,
        registrant(7)["email"]: "",
    }
