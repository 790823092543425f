"""Public registration: the form, the waiting list, idempotency, bots and floods."""

import icalendar
import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from amity.registrations import services
from amity.registrations.links import self_service_token
from amity.registrations.models import Registration
from amity.registrations.permissions import registration_is_yours
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _register(client, activity, data):
    return client.post(f"/activities/{activity.pk}/register/", data)


def test_anyone_registers_and_gets_a_confirmation_with_the_time_in_their_zone(
    webinar, smtp_server, run_worker
):
    client = Client()
    page = client.get(f"/activities/{webinar.pk}/register/")
    assert "Register for Paediatric Endocrinology Webinar" in page.text

    response = _register(
        client,
        webinar,
        registrant(1, time_zone="America/Los_Angeles", name_local="张伟", submission="k1"),
    )

    registration = Registration.objects.get()
    assert response.status_code == 200
    assert response.context["message"].startswith(
        "Thank you. We have sent an email to zhang1@hospital.example.cn: follow the link"
    )
    assert registration.status == "confirmed"
    assert registration.name_local == "张伟"

    run_worker()
    run_worker()
    (message,) = smtp_server.messages
    assert message["To"] == "zhang1@hospital.example.cn"
    assert message["Subject"] == "You are registered: Paediatric Endocrinology Webinar"
    body = message.get_body(("plain",)).get_content()
    assert "Friday 16 April 2027, 17:00–18:30 (America/Los_Angeles, UTC-7)" in body
    assert "https://meeting.example.org/j/123456" in body
    link = "http://localhost:8000" + registration.get_absolute_url()
    assert link in body
    own_page = client.get(registration.get_absolute_url())
    assert "Confirmed" in own_page.text
    assert "Friday 16 April 2027, 17:00–18:30 (America/Los_Angeles, UTC-7)" in own_page.text
    (invite,) = list(message.iter_attachments())
    calendar = icalendar.Calendar.from_ical(invite.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Paediatric Endocrinology Webinar"
    assert event.decoded("DTSTART").astimezone().isoformat() == (
        webinar.sessions.get().starts_at.astimezone().isoformat()
    )
    registration.refresh_from_db()
    assert registration.confirmation.status == "sent"


def test_chinese_registrant_gets_the_email_in_chinese(webinar, smtp_server, run_worker):
    client = Client(headers={"accept-language": "zh-hans"})
    _register(client, webinar, registrant(2, name_local="张伟", submission="k2"))

    run_worker()
    run_worker()

    (message,) = smtp_server.messages
    assert message["Subject"].strip() == "报名成功：儿科内分泌网络研讨会"
    assert "2027年4月17日 星期六 08:00–09:30（Asia/Shanghai，UTC+8）" in (
        message.get_body(("plain",)).get_content()
    )


def test_each_bad_field_gets_its_own_message_and_nothing_is_stored(webinar):
    response = _register(
        Client(),
        webinar,
        {"family_name": "", "email": "not-an-address", "time_zone": "Mars/Olympus"},
    )

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["family_name"] == ["This field is required."]
    assert errors["email"] == ["Enter a valid email address."]
    assert errors["time_zone"] == [
        "“Mars/Olympus” is not a time zone; use a name like Asia/Shanghai."
    ]
    assert errors["consent"] == ["This field is required."]
    assert Registration.objects.count() == 0


def test_the_same_form_sent_twice_makes_one_registration_and_one_email(webinar):
    """A double click: one registration, the same answer twice, and only the
    confirmation queued (the repeat of the same submission sends no link email)."""
    client = Client()
    data = registrant(3, submission="same-form")

    first = _register(client, webinar, data)
    second = _register(client, webinar, data)

    assert Registration.objects.count() == 1
    assert first.context["message"] == second.context["message"]
    kinds = [
        t.args_kwargs["kwargs"]["kind"]
        for t in DBTaskResult.objects.filter(task_path__endswith="notify")
    ]
    assert kinds == ["confirmation"]


def test_someone_else_registering_a_known_address_does_not_see_the_registration(webinar):
    _register(Client(), webinar, registrant(4, submission="mine"))

    response = _register(Client(), webinar, registrant(4, submission="someone-else"))
    new = _register(Client(), webinar, registrant(5, submission="new"))

    assert Registration.objects.count() == 2
    assert response.context["message"] == new.context["message"].replace("zhang5", "zhang4")
    assert Registration.objects.get(email="zhang4@hospital.example.cn").uid.hex not in (
        response.text
    )


def test_a_bot_filling_the_hidden_field_is_refused(webinar):
    response = _register(Client(), webinar, registrant(5, website="http://spam.example"))

    assert response.status_code == 422
    assert Registration.objects.count() == 0


def test_one_address_is_limited_per_minute(webinar, settings):
    settings.AMITY_REGISTRATION_RATE = 3
    client = Client()
    codes = [_register(client, webinar, registrant(n)).status_code for n in range(5)]

    assert codes == [200, 200, 200, 429, 429]
    assert Registration.objects.count() == 3


def test_full_activity_puts_people_on_the_waiting_list_and_a_cancellation_promotes_the_first(
    webinar, smtp_server, run_worker
):
    services.registration_settings_save(activity=webinar, fields={"capacity": 2})
    client = Client()
    for n in range(4):
        _register(client, webinar, registrant(n))
    people = {r.email.split("@")[0]: r for r in Registration.objects.all()}
    assert [people[f"zhang{n}"].status for n in range(4)] == [
        "confirmed",
        "confirmed",
        "waiting",
        "waiting",
    ]
    run_worker()
    run_worker()
    subjects = sorted(m["Subject"].split(":")[0] for m in smtp_server.messages)
    assert subjects == ["You are on the waiting list"] * 2 + ["You are registered"] * 2
    waiting_body = (
        next(m for m in smtp_server.messages if m["To"] == "zhang3@hospital.example.cn")
        .get_body(("plain",))
        .get_content()
    )
    assert "in position 2" in waiting_body

    cancel = client.post(people["zhang0"].get_absolute_url() + "cancel/", {"confirm": "1"})
    assert cancel.status_code == 302
    run_worker()
    run_worker()

    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses["zhang0@hospital.example.cn"] == "cancelled"
    assert statuses["zhang2@hospital.example.cn"] == "confirmed"
    assert statuses["zhang3@hospital.example.cn"] == "waiting"
    promotion = [m for m in smtp_server.messages if m["Subject"].startswith("A place is yours")]
    assert [m["To"] for m in promotion] == ["zhang2@hospital.example.cn"]


def test_raising_the_limit_lets_the_waiting_list_in(webinar):
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    for n in range(3):
        _register(Client(), webinar, registrant(n))

    services.registration_settings_save(activity=webinar, fields={"capacity": 2})

    assert list(Registration.objects.values_list("status", flat=True)) == [
        "confirmed",
        "confirmed",
        "waiting",
    ]


def test_closed_registration_says_so(webinar):
    services.registration_settings_save(activity=webinar, fields={"is_open": False})

    response = _register(Client(), webinar, registrant(1))

    assert response.status_code == 409
    assert "Registration for this activity is closed." in response.text
    assert Registration.objects.count() == 0


def test_a_colleague_registers_with_one_click(webinar, world, login):
    client = login(world.staff)
    page = client.get(f"/activities/{webinar.pk}/register/")
    assert "Register with one click" in page.text

    response = client.post(
        f"/activities/{webinar.pk}/register/", {"one_click": "1", "time_zone": "Europe/Rome"}
    )

    registration = Registration.objects.get()
    assert response["Location"] == registration.get_absolute_url()
    assert registration.email == world.staff.person.email.lower()
    assert registration.family_name == world.staff.person.family_name
    assert registration.user == world.staff
    again = client.get(f"/activities/{webinar.pk}/register/")
    assert "You are registered." in again.text


def test_self_service_page_needs_the_signed_link(webinar):
    client = Client()
    _register(client, webinar, registrant(7))
    url = Registration.objects.get().get_absolute_url()

    tampered = url.replace("/registration/", "/registration/0")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered + "cancel/").status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_registering_oneself_says_so_on_the_next_page(webinar, world, login):
    """A signed-in colleague registering their own address goes to their registration,
    which opens with a message saying they are registered and that the confirmation
    email is on its way."""
    client = login(world.staff)
    own = registrant(31, submission="k31", email=world.staff.person.email)

    response = _register(client, webinar, own)
    page = client.get(response["Location"])

    assert [str(m) for m in page.context["messages"]] == [
        "You are registered for “Paediatric Endocrinology Webinar”. A confirmation email "
        f"is on its way to {world.staff.person.email.lower()}."
    ]
    assert "You are registered for “Paediatric Endocrinology Webinar”." in page.text


def test_joining_the_waiting_list_says_so_with_the_position(webinar, world, login):
    """When the activity is full, a colleague registering with one click is told they
    are on the waiting list and in which position."""
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    _register(Client(), webinar, registrant(32, submission="k32"))
    _register(Client(), webinar, registrant(33, submission="k33"))
    client = login(world.staff)

    response = _register(client, webinar, {"one_click": "1", "time_zone": "Asia/Shanghai"})
    page = client.get(response["Location"])

    assert [str(m) for m in page.context["messages"]] == [
        "“Paediatric Endocrinology Webinar” is full: you are on the waiting list, in "
        "position 2. If a place becomes free, it goes to the first person waiting and we "
        f"email {world.staff.person.email.lower()} at once."
    ]


def test_registration_create_outcome_is_shown_only_to_its_own_signed_in_person(webinar, world):
    """The outcome says whether the registration may be shown to the caller: only to a
    signed-in person registering their own address (then with their place); never for
    an anonymous request, nor for a same submission key, nor to someone else signed in."""
    services.registration_settings_save(activity=webinar, fields={"capacity": 1})
    own_email = world.staff.person.email
    first = services.registration_create(
        activity=webinar, fields=registrant(1), submission_key="form-1"
    )
    second = services.registration_create(
        activity=webinar, fields=registrant(2, email=own_email), user=world.staff
    )

    assert (first.created, first.confirmed, first.position, first.yours) == (
        True,
        True,
        None,
        False,
    )
    assert (second.created, second.waiting, second.position, second.yours) == (
        True,
        True,
        1,
        True,
    )
    again = {
        "same key": services.registration_create(
            activity=webinar, fields=registrant(1), submission_key="form-1"
        ),
        "same person": services.registration_create(
            activity=webinar, fields=registrant(2, email=own_email), user=world.staff
        ),
        "someone else": services.registration_create(
            activity=webinar, fields=registrant(2, email=own_email), user=world.office
        ),
    }
    assert {name: (o.created, o.yours, o.position) for name, o in again.items()} == {
        "same key": (False, False, None),
        "same person": (False, True, 1),
        "someone else": (False, False, None),
    }
    assert Registration.objects.count() == 2


def test_registration_is_yours_with_the_signed_link_only(webinar):
    """Holding a registration's signed link makes it yours; another registration's link,
    a forged one or none does not."""
    mine = services.registration_create(activity=webinar, fields=registrant(1)).registration
    other = services.registration_create(activity=webinar, fields=registrant(2)).registration

    assert [
        registration_is_yours(mine, token=token)
        for token in (self_service_token(mine), self_service_token(other), "forged:abc", "")
    ] == [True, False, False, False]


def test_a_cancelled_address_registering_again_starts_afresh_in_the_same_row(webinar):
    """Someone who cancelled and registers again gets their row back, confirmed, with a
    new link (the old one stops working) and a new confirmation queued; no second row."""
    first = services.registration_create(activity=webinar, fields=registrant(1)).registration
    old_uid = first.uid
    services.registration_cancel(registration=first)

    again = services.registration_create(activity=webinar, fields=registrant(1))

    stored = Registration.objects.get()
    confirmations = [
        t.args_kwargs["kwargs"]["kind"]
        for t in DBTaskResult.objects.filter(task_path__endswith="notify").order_by("enqueued_at")
    ]
    assert (again.created, again.confirmed, again.yours) == (True, True, False)
    assert (stored.pk, stored.status, stored.cancelled_at) == (first.pk, "confirmed", None)
    assert stored.uid != old_uid
    assert confirmations == ["confirmation", "cancellation", "confirmation"]
