"""The limit holds whatever the concurrency: many people submit at once for the last
places, each through the full page (own thread, own database connection)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from amity.registrations import services
from amity.registrations.models import Registration
from amity.registrations.selectors import waiting_position
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _burst(activity, numbers) -> list[int]:
    start = threading.Barrier(len(numbers))
    codes: list[int] = []

    def submit(n: int) -> None:
        client = Client()
        start.wait()
        try:
            response = client.post(f"/activities/{activity.pk}/register/", registrant(n))
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def test_thirty_people_racing_for_the_last_five_places(webinar, settings):
    settings.AMITY_REGISTRATION_RATE = 0
    services.registration_settings_save(activity=webinar, fields={"capacity": 25})
    for n in range(20):
        fields = {**registrant(n, email=f"early{n}@example.org")}
        del fields["consent"]
        services.registration_create(activity=webinar, fields=fields)

    codes = _burst(webinar, range(30))

    assert codes == [200] * 30  # each told alike that an email is on its way
    racers = Registration.objects.exclude(email__startswith="early")
    assert racers.filter(status="confirmed").count() == 5
    assert racers.filter(status="waiting").count() == 25
    assert Registration.objects.filter(status="confirmed").count() == 25
    # First come, first served: the waiting list keeps the order in which people got the
    # lock (the order their rows were written), and each is told a position of their own.
    waiting = list(Registration.objects.waiting())
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    assert [waiting_position(r) for r in waiting] == list(range(1, 26))


def test_the_same_person_submitting_from_many_tabs_at_once_is_stored_once(webinar, settings):
    settings.AMITY_REGISTRATION_RATE = 0

    codes = _burst(webinar, [7] * 12)

    assert set(codes) == {200}
    assert Registration.objects.count() == 1
