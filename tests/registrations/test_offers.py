"""Offers that expire: a freed place is offered to the first person waiting for a time;
accepted it is theirs, declined or unanswered it passes to the next person."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from amity.core.models import OutboundEmail
from amity.registrations import offers, services
from amity.registrations.models import MessageKind, Offer, Registration, RegistrationEmail
from amity.registrations.selectors import waiting_position
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _register(activity, n, **extra):
    fields = registrant(n, **extra)
    del fields["consent"]
    return services.registration_create(activity=activity, fields=fields).registration


@pytest.fixture
def full(webinar):
    """Two places, taken by zhang0 and zhang1; zhang2, zhang3 and zhang4 wait; freed
    places are offered for 24 hours."""
    services.registration_settings_save(activity=webinar, fields={"capacity": 2, "offer_hours": 24})
    people = [_register(webinar, n) for n in range(5)]
    return webinar, people


def _status(n: int) -> str:
    return Registration.objects.get(email=f"zhang{n}@hospital.example.cn").status


def test_a_freed_place_is_offered_and_held_not_given(full, run_worker):
    """zhang0 cancels: zhang2 (first waiting) is offered the place for 24 hours and
    emailed a link to answer; the place is held, so a newcomer goes on the waiting list."""
    webinar, people = full
    services.registration_cancel(registration=people[0])
    run_worker()

    offer = Offer.objects.get()
    assert offer.registration.email == "zhang2@hospital.example.cn"
    assert offer.status == "pending"
    assert offer.expires_at - offer.offered_at == timedelta(hours=24)
    assert _status(2) == "waiting"
    newcomer = _register(webinar, 9)
    assert newcomer.status == "waiting"
    email = OutboundEmail.objects.get(subject__startswith="A place is free for you")
    assert email.to == ["zhang2@hospital.example.cn"]
    assert f"/offers/{offer.token}/" in email.body
    assert "it is yours if you accept it by" in email.body


def test_accepting_in_time_confirms_and_sends_the_confirmation(full, run_worker):
    webinar, people = full
    services.registration_cancel(registration=people[0])
    offer = Offer.objects.get()

    response = Client().post(f"/offers/{offer.token}/", {"answer": "accept"}, follow=True)
    run_worker()

    assert "The place is yours" in response.text
    assert _status(2) == "confirmed"
    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert OutboundEmail.objects.filter(
        subject="A place is yours: Paediatric Endocrinology Webinar",
        to=["zhang2@hospital.example.cn"],
    ).exists()


def test_an_unanswered_offer_expires_and_passes_to_the_next_person(full, run_worker):
    """After 24 hours without an answer zhang2's offer expires: zhang2 goes to the back
    of the waiting list (and is told), zhang3 is offered the place."""
    webinar, people = full
    services.registration_cancel(registration=people[0])

    expired = offers.offers_expire_due(now=timezone.now() + timedelta(hours=25))
    run_worker()

    assert expired == 1
    assert list(Offer.objects.values_list("registration__email", "status")) == [
        ("zhang2@hospital.example.cn", "expired"),
        ("zhang3@hospital.example.cn", "pending"),
    ]
    zhang2 = Registration.objects.get(email="zhang2@hospital.example.cn")
    # Behind zhang3 (who holds the offer now) and zhang4, who has not had a turn yet.
    assert waiting_position(zhang2) == 3
    told = OutboundEmail.objects.get(subject__startswith="The place offered to you has passed on")
    assert told.to == ["zhang2@hospital.example.cn"]
    assert "now at position 3" in told.body


def test_answering_after_the_deadline_is_refused_and_passes_the_place_on(full):
    """zhang2 answers after the deadline (no sweep has run): the page says the offer has
    expired, and the place is offered to zhang3 there and then."""
    webinar, people = full
    services.registration_cancel(registration=people[0])
    offer = Offer.objects.get()
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = Client().post(f"/offers/{offer.token}/", {"answer": "accept"})

    assert response.status_code == 200
    assert "This offer has expired and the place has gone to the next person" in response.text
    assert _status(2) == "waiting"
    assert Offer.objects.get(status="pending").registration.email == "zhang3@hospital.example.cn"


def test_declining_cancels_and_offers_the_next(full):
    webinar, people = full
    services.registration_cancel(registration=people[0])
    offer = Offer.objects.get()

    response = Client().post(f"/offers/{offer.token}/", {"answer": "decline"}, follow=True)

    assert "The place goes to the next person" in response.text
    assert _status(2) == "cancelled"
    assert Offer.objects.get(status="pending").registration.email == "zhang3@hospital.example.cn"


def test_the_sweep_run_twice_expires_once_and_offers_once(full, run_worker):
    webinar, people = full
    services.registration_cancel(registration=people[0])
    run_worker()  # zhang2's offer email leaves
    later = Offer.objects.get().expires_at  # the next offer, made later, ends later

    assert offers.offers_expire_due(now=later) == 1
    assert offers.offers_expire_due(now=later) == 0
    run_worker()

    assert Offer.objects.filter(status="pending").count() == 1
    assert RegistrationEmail.objects.filter(kind=MessageKind.OFFER).count() == 2
    assert RegistrationEmail.objects.filter(kind=MessageKind.OFFER_EXPIRED).count() == 1


def test_close_to_the_start_the_offer_is_shorter_then_the_place_is_given_at_once(webinar):
    """24 hours asked: 10 hours before the start an offer lasts 5 hours (halfway to the
    start); 90 minutes before, less than an hour would be left: no offer."""
    starts = webinar.sessions.get().starts_at

    ten_hours_before = starts - timedelta(hours=10)
    assert offers.offer_deadline(
        activity=webinar, hours=24, now=ten_hours_before
    ) == ten_hours_before + timedelta(hours=5)
    assert offers.offer_deadline(activity=webinar, hours=24, now=starts - timedelta(days=5)) == (
        starts - timedelta(days=4)
    )
    assert (
        offers.offer_deadline(activity=webinar, hours=24, now=starts - timedelta(minutes=90))
        is None
    )


def test_raising_the_capacity_offers_the_new_places(full):
    webinar, people = full

    services.registration_settings_save(activity=webinar, fields={"capacity": 4, "offer_hours": 24})

    assert sorted(Offer.objects.values_list("registration__email", flat=True)) == [
        "zhang2@hospital.example.cn",
        "zhang3@hospital.example.cn",
    ]


def test_the_organiser_sees_the_offers_pending(full, login, world):
    webinar, people = full
    services.registration_cancel(registration=people[0])

    response = login(world.office).get(f"/activities/{webinar.pk}/ways-in/")

    assert response.status_code == 200
    assert "Places offered, waiting for an answer" in response.text
    assert "zhang2@hospital.example.cn" in response.text


def test_the_self_service_page_points_to_the_offer(full):
    webinar, people = full
    services.registration_cancel(registration=people[0])
    offer = Offer.objects.get()

    page = Client().get(people[2].get_absolute_url())

    assert "A place has become free and it is offered to you." in page.text
    assert f"/offers/{offer.token}/" in page.text


def test_a_guessed_offer_answers_404():
    import uuid

    assert Client().get(f"/offers/{uuid.uuid4()}/").status_code == 404
