"""The organiser's side: settings, the list with counts and filters, messages to a filter,
reminders before each session, and who may see any of it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from amity.events import services as event_services
from amity.registrations import services
from amity.registrations.models import Registration
from amity.registrations.reminders import reminders_send
from tests.matrix import OK, assert_page, cells, only
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(activity, people):
    for n, extra in people:
        fields = registrant(n, **extra)
        del fields["consent"]
        services.registration_create(activity=activity, fields=fields)


def test_list_counts_filters_and_waiting_order(webinar, world, login):
    services.registration_settings_save(activity=webinar, fields={"capacity": 2})
    _fill(
        webinar,
        [
            (1, {"country": "CN"}),
            (2, {"country": "US", "institution": "Stanford", "profession": "nurse"}),
            (3, {"country": "CN", "name_local": "李娜"}),
            (4, {"country": "BR"}),
        ],
    )
    client = login(world.office)

    page = client.get(f"/activities/{webinar.pk}/registrants/")

    counts = page.context["counts"]
    assert (counts["confirmed"], counts["waiting"], counts["cancelled"]) == (2, 2, 0)
    assert page.context["by_country"] == [
        ("CN", "China", 2),
        ("BR", "Brazil", 1),
        ("US", "United States of America", 1),
    ]
    assert [r.email for r in page.context["waiting"]] == [
        "zhang3@hospital.example.cn",
        "zhang4@hospital.example.cn",
    ]
    assert "李娜 (Wei Zhang3)" in page.text
    filtered = client.get(f"/activities/{webinar.pk}/registrants/?q=stanford")
    assert [r.email for r in filtered.context["page"].object_list] == ["zhang2@hospital.example.cn"]
    assert "1 registrant matches." in filtered.text


def test_settings_form_explains_bad_values(webinar, world, login):
    response = login(world.office).post(
        f"/activities/{webinar.pk}/registration-settings/",
        {"capacity": "0", "reminders": "24, soon", "retention_days": "365",
         "certificate_minimum_minutes": "30", "is_open": "on"},
    )  # fmt: skip

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["capacity"] == ["Ensure this value is greater than or equal to 1."]
    assert errors["reminders"] == ["“soon” is not a number of hours."]


def test_settings_and_a_question_show_on_the_public_form(webinar, world, login):
    client = login(world.office)
    client.post(
        f"/activities/{webinar.pk}/registration-settings/",
        {"capacity": "300", "reminders": "48, 2", "retention_days": "90",
         "certificate_minimum_minutes": "45", "is_open": "on"},
    )  # fmt: skip
    client.post(
        f"/activities/{webinar.pk}/registration-settings/",
        {"add_question": "1", "question-label": "Your specialty", "question-kind": "text",
         "question-required": "on", "question-position": "1"},
    )  # fmt: skip

    row = services.settings_for(webinar)
    assert (row.capacity, row.reminder_minutes, row.retention_days) == (300, [2880, 120], 90)
    form = Client().get(f"/activities/{webinar.pk}/register/")
    assert "Your specialty" in form.text
    missing = Client().post(f"/activities/{webinar.pk}/register/", registrant(1))
    question = webinar.registration_questions.get()
    assert missing.context["form"].errors[f"q{question.pk}"] == ["This field is required."]


def test_a_message_to_a_filter_reaches_exactly_that_filter_once(
    webinar, world, login, smtp_server, run_worker
):
    _fill(webinar, [(1, {"country": "CN"}), (2, {"country": "US"}), (3, {"country": "CN"})])
    run_worker()
    run_worker()
    smtp_server.messages.clear()
    client = login(world.office)

    page = client.get(f"/activities/{webinar.pk}/registrants/message/?country=CN")
    assert "This message goes to 2 registrants." in page.text
    client.post(
        f"/activities/{webinar.pk}/registrants/message/?country=CN",
        {"subject": "Slides are online", "body": "The slides are on the activity page."},
    )
    run_worker()
    run_worker()
    run_worker()

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "zhang1@hospital.example.cn",
        "zhang3@hospital.example.cn",
    ]
    assert {m["Subject"].strip() for m in smtp_server.messages} == {
        "Slides are online — Paediatric Endocrinology Webinar"
    }


def test_reminders_go_to_confirmed_registrants_once_and_follow_a_moved_session(
    webinar, smtp_server, run_worker
):
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    _fill(webinar, [(1, {}), (2, {})])  # the second waits
    session = webinar.sessions.get()
    # Both reminders (24 h and 1 h before) are queued to run at their time.
    queued = DBTaskResult.objects.filter(task_path="amity.registrations.tasks.send_reminders")
    assert sorted(
        (session.starts_at - t.run_after) for t in queued if t.args_kwargs["kwargs"]["minutes"]
    ) == [timedelta(hours=1), timedelta(hours=24)]
    run_worker()  # the confirmations; reminders are not due yet
    smtp_server.messages.clear()

    starts = session.starts_at.isoformat()
    assert reminders_send(session_id=session.pk, minutes=1440, starts_at=starts) == 1
    assert reminders_send(session_id=session.pk, minutes=1440, starts_at=starts) == 0
    run_worker()
    assert [m["To"] for m in smtp_server.messages] == ["zhang1@hospital.example.cn"]
    assert smtp_server.messages[0]["Subject"] == "Reminder: Paediatric Endocrinology Webinar"

    event_services.session_move(session=session, starts_at=session.starts_at + timedelta(days=1))
    assert reminders_send(session_id=session.pk, minutes=60, starts_at=starts) == 0
    session.refresh_from_db()
    assert (
        reminders_send(session_id=session.pk, minutes=60, starts_at=session.starts_at.isoformat())
        == 1
    )


def test_export_and_erase_on_request_keep_the_counts(webinar, smtp_server, run_worker):
    client = Client()
    client.post(f"/activities/{webinar.pk}/register/", registrant(1, name_local="张伟"))
    url = Registration.objects.get().get_absolute_url()  # the link the email carries

    data = client.get(url + "my-data.json").json()
    assert (data["email"], data["name_local"], data["status"]) == (
        "zhang1@hospital.example.cn",
        "张伟",
        "confirmed",
    )

    erased = client.post(url + "erase/", {"confirm": "1"})
    assert "Your data is erased" in erased.text
    registration = Registration.objects.get()
    assert (registration.email, registration.family_name, registration.name_local) == ("", "", "")
    assert (registration.status, registration.country.code) == ("cancelled", "CN")
    gone = client.get(url)
    assert (gone.status_code, gone.context["title"]) == (
        410,
        "This registration's data has been erased",
    )
    run_worker()
    assert smtp_server.messages == []  # the queued confirmation did not leave


def test_retention_erases_personal_data_after_the_last_session(webinar):
    from amity.registrations.privacy import erase_expired_registrations

    _fill(webinar, [(1, {}), (2, {})])
    services.registration_settings_save(activity=webinar, fields={"retention_days": 30})
    end = webinar.sessions.get().ends_at

    assert erase_expired_registrations(now=end + timedelta(days=29)) == 0
    assert erase_expired_registrations(now=end + timedelta(days=31)) == 2
    assert list(Registration.objects.values_list("email", "country")) == [("", "CN"), ("", "CN")]


# (page, URL for the webinar, the page's own text, outcomes). The webinar belongs to
# Rehabilitation, the coordinator's department.
ORGANISER_PAGES = [
    ("registrants", lambda a: f"/activities/{a.pk}/registrants/", "Registrants",
     only("office", "coordinator")),
    ("settings", lambda a: f"/activities/{a.pk}/registration-settings/",
     "Registration settings", only("office", "coordinator")),
    ("message", lambda a: f"/activities/{a.pk}/registrants/message/", "Message registrants",
     only("office", "coordinator")),
    ("export CSV", lambda a: f"/activities/{a.pk}/registrants.csv", "Family name",
     only("office", "coordinator")),
    ("attendance", lambda a: f"/activities/{a.pk}/attendance/", "Read an attendance report",
     only("office", "coordinator")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(ORGANISER_PAGES)))
def test_permission_matrix_for_organiser_pages(webinar, world, login, url, text, role, outcome):
    target = url(webinar)
    assert_page(login(world.user(role)).get(target), url=target, text=text, outcome=outcome)


def test_public_pages_are_open_to_all(webinar):
    client = Client()
    target = f"/activities/{webinar.pk}/register/"
    assert_page(client.get(target), url=target, text="Register for", outcome=OK)
    assert client.get("/certificates/NOSUCHCODE/").status_code == 404


def test_an_email_that_no_longer_holds_is_not_sent(webinar, smtp_server, run_worker):
    """Promoted before the worker wrote "you are waiting": only the good news goes out."""
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    _fill(webinar, [(1, {}), (2, {})])
    services.registration_cancel(registration=Registration.objects.get(email__startswith="zhang1@"))

    run_worker()
    run_worker()

    to_second = [m["Subject"] for m in smtp_server.messages if m["To"].startswith("zhang2@")]
    assert to_second == ["A place is yours: Paediatric Endocrinology Webinar"]


def test_retention_keeps_the_status_and_offers_no_places(webinar, smtp_server, run_worker):
    from amity.registrations.privacy import erase_expired_registrations

    services.registration_settings_save(
        activity=webinar, fields={"capacity": 1, "retention_days": 1}
    )
    _fill(webinar, [(1, {}), (2, {})])
    run_worker()
    smtp_server.messages.clear()

    erase_expired_registrations(now=webinar.sessions.get().ends_at + timedelta(days=2))
    run_worker()

    assert sorted(Registration.objects.values_list("status", flat=True)) == [
        "confirmed",
        "waiting",
    ]
    assert smtp_server.messages == []


def test_registering_a_cancelled_address_again_gives_a_new_link(webinar):
    client = Client()
    client.post(f"/activities/{webinar.pk}/register/", registrant(1))
    first = Registration.objects.get().get_absolute_url()
    client.post(first + "cancel/", {"confirm": "1"})

    Client().post(f"/activities/{webinar.pk}/register/", registrant(1))
    second = Registration.objects.get().get_absolute_url()

    assert second != first
    assert Client().get(first).status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_a_reminder_the_organiser_removed_is_not_sent(webinar):
    _fill(webinar, [(1, {})])
    session = webinar.sessions.get()
    services.registration_settings_save(activity=webinar, fields={"reminder_minutes": [60]})

    starts = session.starts_at.isoformat()
    assert reminders_send(session_id=session.pk, minutes=1440, starts_at=starts) == 0
    assert reminders_send(session_id=session.pk, minutes=60, starts_at=starts) == 1


def test_registrants_table_reads_names_labels_and_local_dates(webinar, world, login):
    """The list shows the country's and the profession's names (not "CN", "physician"),
    the time of registering in the viewer's zone and language, and offers the countries
    present and the professions as choices to filter by."""
    _fill(webinar, [(1, {"country": "CN"}), (2, {"country": "US", "profession": "nurse"})])
    Registration.objects.filter(email="zhang1@hospital.example.cn").update(
        created_at=datetime(2026, 11, 27, 7, 51, tzinfo=UTC)
    )
    client = login(world.office)
    client.cookies["amity_tz"] = "Asia/Shanghai"
    url = f"/activities/{webinar.pk}/registrants/"

    page = client.get(url)

    assert '<td data-label="Country">China</td>' in page.text
    assert '<td data-label="Profession">Physician</td>' in page.text
    assert '<time datetime="2026-11-27T07:51:00+00:00">Fri 27 Nov 2026, 15:51</time>' in page.text
    assert page.context["country_choices"] == [
        ("CN", "China"),
        ("US", "United States of America"),
    ]
    assert '<option value="CN">China</option>' in page.text
    assert '<option value="nurse">Nurse</option>' in page.text
    assert '<td>China</td><td class="num">1</td>' in page.text  # the breakdown by country
    nurses = client.get(url + "?profession=nurse&country=US")
    assert [r.email for r in nurses.context["page"].object_list] == ["zhang2@hospital.example.cn"]
    assert '<option value="US" selected>United States of America</option>' in nurses.text

    chinese = client.get(url, headers={"accept-language": "zh-hans"})

    assert '<td data-label="国家/地区">中国</td>' in chinese.text
    assert ">2026年11月27日 星期五 15:51</time>" in chinese.text
