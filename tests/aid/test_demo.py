"""The demo's aid campaigns: the seed's spring 2020 gifts by staff who studied abroad and a
current campaign, every request and shipment state, one receipt short, an expired lot left
on the shelf; the ledger holds and loading twice adds nothing."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from amity.aid import selectors, services
from amity.aid.demo import load
from amity.aid.models import (
    AidRequest,
    Allocation,
    Item,
    Lot,
    Movement,
    Parcel,
    Pledge,
    Shipment,
    ShipmentEvent,
)
from amity.directory.demo import load_demo
from tests.aid.conftest import partner_request, stock_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo(synthetic_people=0)
    created = load()
    return created


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Item,
            Pledge,
            Lot,
            Movement,
            AidRequest,
            Allocation,
            Shipment,
            ShipmentEvent,
            Parcel,
        )
    }


def test_the_totals_read_like_the_seed(demo):
    totals = selectors.totals()

    sent = {t.item.name: t.quantity for t in totals.items}
    assert sent["Surgical mask"] == 6_200
    assert sent["Medical protective clothing"] == 800
    assert (totals.partners, totals.countries) == (5, 4)
    # Stanford's shipment is only packed: not counted as sent.
    assert "KN95 respirator" not in sent
    # Spring 2020 alone: more than 6,000 masks and pieces of protective clothing.
    spring = Allocation.objects.filter(
        shipment__events__status="shipped", shipment__events__on__year=2020
    )
    assert (
        sum(
            a.quantity
            for a in spring.filter(
                line__item__name__in=["Surgical mask", "Medical protective clothing"]
            )
        )
        == 6_200
    )


def test_every_state_and_the_people_who_gave(demo):
    statuses = dict(
        AidRequest.objects.values_list("institution__short_name", "status").order_by("pk")
    )
    assert statuses == {
        "BCH": "approved",
        "LLU": "approved",
        "GOSH": "approved",
        "OPBG": "partly",
        "SickKids": "approved",
        "Stanford": "approved",
        "RCH": "submitted",
        "Hacettepe": "declined",
    }
    assert set(Shipment.objects.values_list("status", flat=True)) == {
        "prepared",
        "shipped",
        "customs",
        "delivered",
        "received",
    }
    donors = {
        p.donor_person.family_name + " " + p.donor_person.given_name for p in Pledge.objects.all()
    }
    assert {"Shen Jie", "Chen Hao", "Zhao Min", "Liu Yang"} <= donors
    # Every donor is a staff member of the home hospital who studied or worked abroad.
    for pledge in Pledge.objects.select_related("donor_person__institution"):
        assert pledge.donor_person.institution.is_home
        assert pledge.donor_person.experiences.exists()
    shen = Pledge.objects.get(donor_person__family_name="Shen")
    assert shen.pledged_on == date(2020, 3, 16)
    assert shen.lots.count() == 2
    assert shen.lots.first().lot_number.startswith(("YY", "FH"))
    # Parcels, carriers, tracking numbers; the 2020 steps keep their dates.
    boston = Shipment.objects.get(institution__short_name="BCH")
    assert (boston.carrier, boston.tracking_number, boston.parcels.count()) == (
        "EMS",
        "EA152026384CN",
        3,
    )
    assert [(e.status, e.on) for e in boston.events.all()] == [
        ("prepared", date(2020, 3, 26)),
        ("shipped", date(2020, 3, 27)),
        ("customs", date(2020, 3, 30)),
        ("delivered", date(2020, 4, 2)),
        ("received", date(2020, 4, 3)),
    ]


def test_one_receipt_notes_a_shortfall(demo):
    short = [a for a in Allocation.objects.exclude(received=None) if a.shortfall]
    assert len(short) == 1
    (line,) = short
    assert line.line.request.institution.name == "Loma Linda University"
    assert line.line.item.name == "Surgical mask"
    assert (line.quantity, line.received, line.shortfall) == (1_000, 950, 50)
    assert line.receipt_note == "One box of 50 masks was missing from carton 2."
    assert line.confirmed_by.username == "partner"


def test_the_expired_lot_stays_on_the_shelf(demo):
    today = timezone.localdate()
    expired = Lot.objects.get(
        item__name="Surgical mask", expires_on__gte=date(2025, 1, 1), expires_on__lt=today
    )
    assert expired.available == 300
    assert not expired.allocations.exists()
    masks = next(row for row in selectors.stock(today=today) if row.item.name == "Surgical mask")
    # 300 of the current gift left after SickKids' 700; 300 + the spring's 200 expired.
    assert (masks.available, masks.expired) == (300, 500)


def test_loading_twice_adds_nothing_and_the_ledger_holds(demo):
    assert demo > 0
    before = _counts()

    assert load() == 0

    assert _counts() == before
    out = StringIO()
    call_command("aid_check_ledger", stdout=out)
    assert "Every lot's balance equals its ledger." in out.getvalue()


def test_loading_again_on_a_later_day_adds_nothing(demo, monkeypatch):
    before = _counts()
    later = timezone.localdate() + timedelta(days=45)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)

    assert load() == 0

    assert _counts() == before


def test_the_demo_loader_loads_aid(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the relations demo stores a signed agreement
    out = StringIO()
    call_command("load_demo", "--people", "0", stdout=out)
    assert "new aid records" in out.getvalue()
    assert Shipment.objects.count() == 7
    call_command("load_demo", "--people", "0", stdout=StringIO())
    assert Shipment.objects.count() == 7


def test_a_campaign_recorded_afterwards_keeps_its_days_never_a_future_one(aid_world):
    stock_up(aid_world, aid_world.masks, (100, None))
    request = partner_request(aid_world, aid_world.stanford, (aid_world.masks, 50))
    line = request.lines.get()
    services.request_approve(request=request, approved={line.pk: 50}, user=aid_world.office)
    allocations = list(Allocation.objects.filter(line=line))
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        services.shipment_create(
            institution=aid_world.stanford,
            allocations=allocations,
            fields={"carrier": "EMS"},
            user=aid_world.office,
            on=tomorrow,
        )
    assert not Shipment.objects.exists()

    shipment = services.shipment_create(
        institution=aid_world.stanford,
        allocations=allocations,
        fields={"carrier": "EMS"},
        user=aid_world.office,
        on=date(2020, 3, 26),
    )
    services.parcel_add(
        shipment=shipment,
        fields={"weight_kg": 10, "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    services.shipment_advance(
        shipment=shipment, status="shipped", on=date(2020, 3, 27), user=aid_world.office
    )
    assert [(e.status, e.on) for e in shipment.events.all()] == [
        ("prepared", date(2020, 3, 26)),
        ("shipped", date(2020, 3, 27)),
    ]


def test_the_2020_requests_are_dated_in_2020_on_the_partner_timeline(demo):
    """A request of the spring 2020 campaign, recorded by the demo afterwards, reads as
    asked and decided in 2020 — not on the day the demo was loaded."""
    from amity.aid.models import AidRequest
    from amity.directory.models import Institution

    loma_linda = Institution.objects.get(name="Loma Linda University")
    request = AidRequest.objects.filter(institution=loma_linda).order_by("created_at").first()

    assert timezone.localtime(request.created_at).year == 2020
    assert timezone.localtime(request.decided_at).year == 2020
    assert request.created_at <= request.decided_at


def test_a_request_cannot_be_recorded_in_the_future(aid_world):
    w = aid_world
    with pytest.raises(ValidationError, match="future"):
        services.request_create(
            institution=w.stanford,
            fields={"delivery_address": "Palo Alto", "consignee": "Dr. Rosenfeld"},
            lines=[(w.masks, 10)],
            user=w.office,
            recorded_at=timezone.now() + timedelta(days=1),
        )
