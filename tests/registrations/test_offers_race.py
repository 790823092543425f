"""Offers exactly once under concurrency: sweeps, answers and cancellations racing, each
in its own thread with its own database connection (run on SQLite and on PostgreSQL)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.registrations import offers, services
from amity.registrations.models import Offer, Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _register(activity, n):
    fields = registrant(n)
    del fields["consent"]
    return services.registration_create(activity=activity, fields=fields).registration


def _at_once(jobs) -> list:
    """Run each job in its own thread, all released together; their results (or errors)."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        start.wait()
        try:
            results[i] = job()
        except Exception as error:  # noqa: BLE001 - reported in the results
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def crowded(webinar, settings):
    """Ten places, all taken; twenty people waiting; offers for 24 hours."""
    settings.AMITY_REGISTRATION_RATE = 0
    services.registration_settings_save(
        activity=webinar, fields={"capacity": 10, "offer_hours": 24}
    )
    people = [_register(webinar, n) for n in range(30)]
    return webinar, people


def test_ten_cancelling_at_once_make_ten_offers_to_the_first_ten_waiting(crowded):
    """The ten confirmed cancel at the same moment: exactly ten offers, one each to the
    first ten people waiting, and nobody confirmed beyond the places."""
    webinar, people = crowded

    results = _at_once(
        [lambda r=r: services.registration_cancel(registration=r) for r in people[:10]]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    offered = Offer.objects.filter(status="pending").values_list("registration__email", flat=True)
    assert sorted(offered) == sorted(f"zhang{n}@hospital.example.cn" for n in range(10, 20))
    assert Registration.objects.filter(status="confirmed").count() == 0
    assert offers.places_taken(webinar) == 10


def test_sweeps_racing_expire_each_offer_once_and_pass_each_place_once(crowded):
    """Three offers are past their deadline; eight sweeps run at once: each offer expires
    once and each place is offered to exactly one next person."""
    webinar, people = crowded
    for r in people[:3]:
        services.registration_cancel(registration=r)
    Offer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    results = _at_once([offers.offers_expire_due for _ in range(8)])

    assert sum(results) == 3
    statuses = Counter(Offer.objects.values_list("status", flat=True))
    assert statuses == {"expired": 3, "pending": 3}
    pending = Offer.objects.filter(status="pending").values_list("registration__email", flat=True)
    assert sorted(pending) == sorted(f"zhang{n}@hospital.example.cn" for n in (13, 14, 15))


def test_accepting_from_many_tabs_while_sweeps_run_confirms_once(crowded):
    """The person offered a place presses Accept in six tabs while four sweeps run: one
    acceptance, one confirmation email queued, the others told it is already accepted."""
    webinar, people = crowded
    services.registration_cancel(registration=people[0])
    offer = Offer.objects.get()

    def accept():
        return Client().post(f"/offers/{offer.token}/", {"answer": "accept"}).status_code

    results = _at_once([accept] * 6 + [offers.offers_expire_due] * 4)

    assert sorted(results[:6]) == [200] * 5 + [302]
    assert results[6:] == [0, 0, 0, 0]
    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert Registration.objects.get(email="zhang10@hospital.example.cn").status == "confirmed"
    assert Registration.objects.filter(status="confirmed").count() == 10
    assert offer.registration.emails.count() == 0  # the worker has not run: one task queued

    promotions = [
        t
        for t in DBTaskResult.objects.all()
        if (t.args_kwargs.get("kwargs") or {}).get("kind") == "promotion"
        and t.args_kwargs["kwargs"]["registration_id"] == offer.registration_id
    ]
    assert len(promotions) == 1
