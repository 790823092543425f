"""Allocation never exceeds stock, whatever the concurrency: officers approve many
requests at once for the last units, each in their own thread with their own database
connection (SQLite: IMMEDIATE transactions; PostgreSQL: the item's row lock)."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from amity.aid import services
from amity.aid.models import AidRequest, Allocation, Lot, Movement
from tests.aid.conftest import partner_request, stock_up

pytestmark = pytest.mark.django_db(transaction=True)


def _approve_at_once(requests: list[AidRequest], office) -> list[str]:
    """Every request approved in full at the same moment; each thread's outcome."""
    start = threading.Barrier(len(requests))
    outcomes: list[str] = []

    def approve(request: AidRequest) -> None:
        line = request.lines.get()
        start.wait()
        try:
            services.request_approve(
                request=request, approved={line.pk: line.quantity}, user=office
            )
            outcomes.append("approved")
        except services.NotEnoughStock:
            outcomes.append("not enough stock")
        except Exception as error:  # pragma: no cover - reported by the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_eight_officers_approving_at_once_never_promise_more_than_the_shelf_holds(aid_world):
    today = timezone.localdate()
    # 100 usable masks in three lots, and 50 in a lot past its expiry date.
    lots = stock_up(
        aid_world,
        aid_world.masks,
        (30, today + timedelta(days=400)),
        (40, today + timedelta(days=100)),
        (30, None),
        (50, today - timedelta(days=1)),
    )
    expired = lots[-1]
    requests = [
        partner_request(aid_world, institution, (aid_world.masks, 20))
        for institution in [aid_world.stanford, aid_world.milan] * 4
    ]

    outcomes = _approve_at_once(requests, aid_world.office)

    assert sorted(outcomes) == ["approved"] * 5 + ["not enough stock"] * 3
    statuses = sorted(AidRequest.objects.values_list("status", flat=True))
    assert statuses == ["approved"] * 5 + ["submitted"] * 3
    allocated = sum(Allocation.objects.values_list("quantity", flat=True))
    assert allocated == 100
    assert not Allocation.objects.filter(lot=expired).exists()
    assert sorted(Lot.objects.values_list("available", flat=True)) == [0, 0, 0, 50]
    assert Movement.objects.filter(kind="allocation").count() >= 5
    out = StringIO()
    call_command("aid_check_ledger", stdout=out)
    assert "Every lot's balance equals its ledger." in out.getvalue()


def test_the_refused_officers_can_approve_part_of_what_is_left(aid_world):
    today = timezone.localdate()
    stock_up(aid_world, aid_world.masks, (50, today + timedelta(days=30)))
    requests = [
        partner_request(aid_world, aid_world.stanford, (aid_world.masks, 20)) for _ in range(4)
    ]

    outcomes = _approve_at_once(requests, aid_world.office)

    assert sorted(outcomes) == ["approved"] * 2 + ["not enough stock"] * 2
    waiting = list(AidRequest.objects.filter(status="submitted"))
    line = waiting[0].lines.get()
    services.request_approve(request=waiting[0], approved={line.pk: 10}, user=aid_world.office)
    with pytest.raises(services.NotEnoughStock, match="Only 0 units"):
        other = waiting[1].lines.get()
        services.request_approve(request=waiting[1], approved={other.pk: 1}, user=aid_world.office)
    assert sum(Allocation.objects.values_list("quantity", flat=True)) == 50
    call_command("aid_check_ledger", stdout=StringIO())
