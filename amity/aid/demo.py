"""Demo data for aid to partners (loaded by ``manage load_demo``; safe to run twice).

The seed's campaign of spring 2020: when the epidemic spread abroad, staff who had studied
abroad (Dr. Shen Jie, back from Boston Children's; Dr. Chen Hao, SickKids; Zhao Min, Great
Ormond Street; Dr. Liu Yang, Erasmus MC) gave surgical masks, protective clothing and
gloves, received in lots in March 2020; four partners asked for help, one was granted part
of what it asked, and the four shipments went out by air and arrived (Loma Linda noted a
missing box of masks on its receipt). More than 6,000 masks and pieces of protective
clothing went out that spring.

A current campaign, dated back from the day the demo is loaded: more staff who studied
abroad pledge supplies (one lot of masks is past its expiry date: it stays on the shelf and
is never allocated); SickKids' two requests are approved, one shipment is in customs and
one on its way; Stanford's is packed, not yet sent; the Royal Children's Hospital
Melbourne's request waits for a decision and Hacettepe's was declined.

Sent in all: 6,200 surgical masks and 800 sets of protective clothing to 5 partners in 4
countries. Everything goes through ``amity.aid.services`` (the catalogue too, through
``item_save``). Items are found by name, pledges by donor and note, requests by partner and
note: loading twice adds nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from amity.accounts.models import User
from amity.aid import services
from amity.aid.models import AidRequest, Allocation, Item, Pledge, Unit
from amity.directory.models import Institution, Person

STORE = "Logistics building, store room B2"

CATALOGUE = [
    {
        "name": "Surgical mask",
        "measure_word": "只",
        "pack_name_local": "盒",
        "name_local": "医用外科口罩",
        "unit": Unit.PIECE,
        "pack_size": 50,
        "pack_name": "box",
        "standard": "YY 0469-2011",
        "hs_code": "6307.90",
        "unit_value": Decimal("0.80"),
    },
    {
        "name": "KN95 respirator",
        "measure_word": "只",
        "pack_name_local": "盒",
        "name_local": "KN95 防护口罩",
        "unit": Unit.PIECE,
        "pack_size": 20,
        "pack_name": "box",
        "standard": "GB 2626-2019 KN95; NIOSH N95",
        "hs_code": "6307.90",
        "unit_value": Decimal("3.50"),
    },
    {
        "name": "Medical protective clothing",
        "measure_word": "件",
        "pack_name_local": "",
        "name_local": "医用一次性防护服",
        "unit": Unit.SET,
        "pack_size": 1,
        "pack_name": "",
        "standard": "GB 19082-2009",
        "hs_code": "6210.10",
        "unit_value": Decimal("60.00"),
    },
    {
        "name": "Isolation gown",
        "measure_word": "件",
        "pack_name_local": "袋",
        "name_local": "一次性隔离衣",
        "unit": Unit.PIECE,
        "pack_size": 10,
        "pack_name": "bag",
        "standard": "YY/T 1499-2016",
        "hs_code": "6210.10",
        "unit_value": Decimal("15.00"),
    },
    {
        "name": "Nitrile examination gloves",
        "measure_word": "副",
        "pack_name_local": "盒",
        "name_local": "一次性丁腈检查手套",
        "unit": Unit.PAIR,
        "pack_size": 100,
        "pack_name": "box",
        "standard": "EN 455; ASTM D6319",
        "hs_code": "4015.19",
        "unit_value": Decimal("0.40"),
    },
    {
        "name": "Face shield",
        "measure_word": "个",
        "pack_name_local": "盒",
        "name_local": "医用防护面屏",
        "unit": Unit.PIECE,
        "pack_size": 10,
        "pack_name": "box",
        "standard": "EN 166",
        "hs_code": "3926.90",
        "unit_value": Decimal("5.00"),
    },
]
MASKS, KN95, SUITS, GOWNS, GLOVES, SHIELDS = (row["name"] for row in CATALOGUE)


@dataclass
class DemoPledge:
    """A staff member's pledge (by seed email) and the lots it arrived in:
    (item, quantity, lot number, expiry)."""

    donor: str
    pledged_on: date
    received_on: date
    lots: list[tuple[str, int, str, date]]
    note: str


@dataclass
class DemoShipment:
    """How a request's approved units went: carrier, parcels (kg, cm × cm × cm), dated
    steps after "prepared", and the partner's receipt ({item: (received, note)}; items
    not named arrived in full)."""

    prepared_on: date
    carrier: str
    tracking_number: str
    parcels: list[tuple[str, int, int, int]]
    steps: list[tuple[str, date, str]] = field(default_factory=list)
    received_on: date | None = None
    receipt: dict[str, tuple[int, str]] = field(default_factory=dict)
    confirmed_by_partner: bool = False
    note: str = ""


@dataclass
class DemoRequest:
    """A partner's request: lines {item: (asked, approved)}; approved None leaves it
    waiting for a decision, all 0 declines it. ``decided_on`` is the day against which
    expiry dates are checked when stock is allocated."""

    partner: str
    consignee: str
    address: str
    phone: str
    urgency: str
    needed_by: date
    note: str
    lines: dict[str, tuple[int, int | None]]
    decided_on: date | None = None
    decision_note: str = ""
    shipment: DemoShipment | None = None
    # The day the request came in: a few days before the decision (or the need) if not given.
    requested_on: date | None = None


def _historic() -> tuple[list[DemoPledge], list[DemoRequest]]:
    """Spring 2020."""
    pledges = [
        DemoPledge(
            "jie.shen@zch.example.cn",
            date(2020, 3, 16),
            date(2020, 3, 19),
            [
                (MASKS, 2_000, "YY20200211-03", date(2022, 2, 10)),
                (SUITS, 300, "FH20200205-11", date(2022, 2, 4)),
            ],
            "Bought with colleagues who trained in Boston, for partners in the United States.",
        ),
        DemoPledge(
            "hao.chen@zch.example.cn",
            date(2020, 3, 17),
            date(2020, 3, 20),
            [
                (MASKS, 1_500, "YY20200226-07", date(2022, 2, 25)),
                (SUITS, 200, "FH20200221-02", date(2022, 2, 20)),
            ],
            "For the sites of the weekly COVID-19 CICU Response call.",
        ),
        DemoPledge(
            "min.zhao@zch.example.cn",
            date(2020, 3, 18),
            date(2020, 3, 23),
            [
                (MASKS, 2_200, "YY20200305-15", date(2022, 3, 4)),
                (SUITS, 200, "FH20200302-08", date(2022, 3, 1)),
            ],
            "For former colleagues in London and Rome.",
        ),
        DemoPledge(
            "yang.liu@zch.example.cn",
            date(2020, 3, 18),
            date(2020, 3, 24),
            [(GLOVES, 2_000, "NG2020-0310", date(2023, 3, 9))],
            "Gloves for the partners' intensive care units.",
        ),
    ]
    requests = [
        DemoRequest(
            "Boston Children's Hospital",
            "Daniel Sullivan, MD, Cardiac Intensive Care Unit",
            "300 Longwood Avenue, Boston, MA 02115, USA",
            "+1 617 355 6000",
            "critical",
            date(2020, 4, 1),
            "Masks and gowns run out on the cardiac ICU within days.",
            {MASKS: (2_000, 2_000), SUITS: (200, 200), GLOVES: (2_000, 2_000)},
            date(2020, 3, 25),
            "Approved in full; Dr. Shen Jie's gift.",
            DemoShipment(
                date(2020, 3, 26),
                "EMS",
                "EA152026384CN",
                [("24.5", 60, 40, 40), ("22.0", 60, 40, 40), ("18.5", 50, 40, 40)],
                [
                    ("shipped", date(2020, 3, 27), "Hangzhou Xiaoshan, air freight"),
                    ("customs", date(2020, 3, 30), "Cleared at JFK as a donation"),
                    ("delivered", date(2020, 4, 2), ""),
                ],
                received_on=date(2020, 4, 3),
            ),
        ),
        DemoRequest(
            "Loma Linda University",
            "Emily Carter, Children's Speech Rehabilitation Team",
            "11234 Anderson Street, Loma Linda, CA 92354, USA",
            "+1 909 558 4000",
            "urgent",
            date(2020, 4, 10),
            "For the rehabilitation team's clinics, which stay open for children.",
            {MASKS: (1_000, 1_000), SUITS: (150, 150)},
            date(2020, 3, 27),
            "Approved in full.",
            DemoShipment(
                date(2020, 3, 28),
                "DHL Express",
                "4417823095",
                [("16.0", 60, 40, 40), ("11.5", 50, 40, 30)],
                [
                    ("shipped", date(2020, 3, 30), ""),
                    ("customs", date(2020, 4, 2), "Held for the FDA's entry review"),
                    ("delivered", date(2020, 4, 8), ""),
                ],
                received_on=date(2020, 4, 9),
                receipt={MASKS: (950, "One box of 50 masks was missing from carton 2.")},
                confirmed_by_partner=True,
            ),
        ),
        DemoRequest(
            "Great Ormond Street Hospital",
            "Charlotte Evans, Nursing Directorate",
            "Great Ormond Street, London WC1N 3JH, United Kingdom",
            "+44 20 7405 9200",
            "urgent",
            date(2020, 4, 15),
            "For the paediatric intensive care nurses.",
            {MASKS: (1_000, 1_000), SUITS: (150, 150)},
            date(2020, 3, 30),
            "Approved in full; Zhao Min's gift.",
            DemoShipment(
                date(2020, 3, 31),
                "SF Express",
                "SF1029384756012",
                [("15.5", 60, 40, 40), ("10.0", 50, 40, 30)],
                [
                    ("shipped", date(2020, 4, 1), ""),
                    ("customs", date(2020, 4, 3), "Heathrow"),
                    ("delivered", date(2020, 4, 7), "Signed for at the hospital's stores"),
                ],
            ),
        ),
        DemoRequest(
            "Bambino Gesù Children's Hospital",
            "Giulia Romano, Direzione Sanitaria",
            "Piazza di Sant'Onofrio 4, 00165 Roma, Italy",
            "+39 06 68591",
            "critical",
            date(2020, 4, 5),
            "Lombardy's hospitals took our stock; we need masks and suits now.",
            {MASKS: (2_000, 1_500), SUITS: (300, 200)},
            date(2020, 3, 31),
            "1,500 masks now, and the last 200 suits of this campaign's gifts.",
            DemoShipment(
                date(2020, 4, 1),
                "China Southern Cargo",
                "784-20200402",
                [("21.0", 60, 40, 40), ("19.5", 60, 40, 40), ("14.0", 60, 40, 40)],
                [
                    ("shipped", date(2020, 4, 2), "Charter flight with the province's aid"),
                    ("customs", date(2020, 4, 3), "Rome Fiumicino"),
                    ("delivered", date(2020, 4, 6), ""),
                ],
                received_on=date(2020, 4, 7),
            ),
        ),
    ]
    return pledges, requests


def _current(today: date) -> tuple[list[DemoPledge], list[DemoRequest]]:
    """The current campaign, dated back from ``today``."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    later = today + timedelta(days=3 * 365)
    pledges = [
        DemoPledge(
            "ting.huang@zch.example.cn",
            ago(60),
            ago(55),
            [
                (MASKS, 1_000, f"YY{ago(90):%Y%m%d}-21", later),
                # Past its expiry date: it stays in stock and is never allocated.
                (MASKS, 300, f"YY{ago(800):%Y%m%d}-02", ago(45)),
                (KN95, 1_000, f"KN{ago(70):%Y%m%d}-05", later),
            ],
            "Collected with colleagues who studied in Japan.",
        ),
        DemoPledge(
            "jing.xu@zch.example.cn",
            ago(58),
            ago(52),
            [
                (SUITS, 200, f"FH{ago(80):%Y%m%d}-06", later),
                (GOWNS, 400, f"GL{ago(75):%Y%m%d}-01", later),
            ],
            "For partners' isolation wards.",
        ),
        DemoPledge(
            "lina.wang@zch.example.cn",
            ago(57),
            ago(50),
            [
                (GLOVES, 3_000, f"NG{ago(100):%Y}-{ago(100):%m%d}", later),
                (SHIELDS, 500, f"FS{ago(65):%Y%m%d}-3", later),
            ],
            "From the International Affairs Office's staff.",
        ),
    ]
    requests = [
        DemoRequest(
            "The Hospital for Sick Children",
            "Marc-Antoine Gagnon, MD, Cardiac Critical Care Unit",
            "555 University Avenue, Toronto, ON M5G 1X8, Canada",
            "+1 416 813 1500",
            "urgent",
            ago(10),
            "An outbreak of respiratory infections fills the wards; masks first.",
            {MASKS: (700, 700)},
            ago(30),
            "Approved in full.",
            DemoShipment(
                ago(22),
                "EMS",
                f"EA{ago(22):%y%m%d}0417CN",
                [("9.5", 50, 40, 40)],
                [
                    ("shipped", ago(20), ""),
                    ("customs", ago(14), "Held at Toronto Pearson: standard certificate asked"),
                ],
            ),
        ),
        DemoRequest(
            "The Hospital for Sick Children",
            "Marc-Antoine Gagnon, MD, Cardiac Critical Care Unit",
            "555 University Avenue, Toronto, ON M5G 1X8, Canada",
            "+1 416 813 1500",
            "urgent",
            ago(-7),
            "Protective clothing, gloves and face shields for the isolation rooms.",
            {SUITS: (100, 100), GLOVES: (1_000, 1_000), SHIELDS: (100, 100)},
            ago(9),
            "Approved in full.",
            DemoShipment(
                ago(7),
                "DHL Express",
                f"{ago(7):%m%d}558812",
                [("12.0", 60, 40, 40), ("6.5", 40, 30, 30)],
                [("shipped", ago(5), "")],
            ),
        ),
        DemoRequest(
            "Stanford University",
            "Ron Rosenfeld, MD",
            "725 Welch Road, Palo Alto, CA 94304, USA",
            "+1 650 497 8000",
            "routine",
            ago(-21),
            "Respirators and gowns for the endocrinology clinic's infusion room.",
            {KN95: (500, 500), GOWNS: (200, 200)},
            ago(4),
            "Approved in full.",
            DemoShipment(ago(2), "FedEx", "", [("10.5", 60, 40, 40)]),
        ),
        DemoRequest(
            "The Royal Children's Hospital Melbourne",
            "James Whitfield, Infection Prevention and Control",
            "50 Flemington Road, Parkville VIC 3052, Australia",
            "+61 3 9345 5522",
            "routine",
            ago(-30),
            "Face shields and respirators for the winter season.",
            {SHIELDS: (300, None), KN95: (1_000, None)},
        ),
        DemoRequest(
            "Hacettepe University İhsan Doğramacı Children's Hospital",
            "Procurement office",
            "Sıhhiye, 06230 Altındağ, Ankara, Türkiye",
            "+90 312 305 1000",
            "routine",
            ago(-14),
            "Isolation gowns for the infectious diseases ward.",
            {GOWNS: (1_000, 0)},
            ago(3),
            "Our gowns are promised to Stanford; we will write when the next gift arrives.",
        ),
    ]
    return pledges, requests


def _catalogue() -> tuple[int, dict[str, Item]]:
    created, items = 0, {}
    for row in CATALOGUE:
        item = Item.objects.filter(name=row["name"]).first()
        if item is None:
            item = services.item_save(item=Item(), fields=row)
            created += 1
        items[row["name"]] = item
    return created, items


def _pledge(data: DemoPledge, items: dict[str, Item], office: User | None) -> int:
    donor = Person.objects.filter(email=data.donor).first()
    # Keyed by donor and note: the current campaign's days move with the day of loading.
    if donor is None or Pledge.objects.filter(donor_person=donor, note=data.note).exists():
        return 0
    totals: dict[str, int] = {}
    for name, quantity, _number, _expiry in data.lots:
        totals[name] = totals.get(name, 0) + quantity
    pledge = services.pledge_create(
        fields={
            "donor_kind": "staff",
            "donor_person": donor,
            "pledged_on": data.pledged_on,
            "note": data.note,
        },
        lines=[(items[name], quantity) for name, quantity in totals.items()],
        user=office,
    )
    for name, quantity, number, expiry in data.lots:
        services.pledge_receive(
            pledge=pledge,
            receipt=services.Receipt(
                item=items[name],
                quantity=quantity,
                lot_number=number,
                expires_on=expiry,
                location=STORE,
                received_on=data.received_on,
            ),
            user=office,
        )
    return 1 + len(data.lots)


def _at(day: date) -> datetime:
    """Half past ten in the office on ``day``, never later than now."""
    moment = timezone.make_aware(datetime.combine(day, time(10, 30)))
    return min(moment, timezone.now())


def _requested_on(data: DemoRequest) -> date:
    if data.requested_on is not None:
        return data.requested_on
    return (data.decided_on or data.needed_by) - timedelta(days=3)


def _request(
    data: DemoRequest, items: dict[str, Item], office: User | None, partner: User | None
) -> int:
    institution = Institution.objects.filter(name=data.partner).first()
    if (
        institution is None
        or AidRequest.objects.filter(institution=institution, note=data.note).exists()
    ):
        return 0
    request = services.request_create(
        institution=institution,
        fields={
            "urgency": data.urgency,
            "needed_by": data.needed_by,
            "delivery_address": data.address,
            "consignee": data.consignee,
            "consignee_phone": data.phone,
            "note": data.note,
        },
        lines=[(items[name], asked) for name, (asked, _approved) in data.lines.items()],
        user=office,
        recorded_at=_at(_requested_on(data)),
    )
    created = 1
    if data.decided_on is None:
        return created
    lines = {line.item.name: line for line in request.lines.select_related("item")}
    services.request_approve(
        request=request,
        approved={lines[name].pk: approved or 0 for name, (_asked, approved) in data.lines.items()},
        user=office,
        note=data.decision_note,
        today=data.decided_on,
        decided_at=_at(data.decided_on),
    )
    if data.shipment is not None:
        created += _ship(request, data.shipment, office, partner)
    return created


def _ship(
    request: AidRequest, data: DemoShipment, office: User | None, partner: User | None
) -> int:
    allocations = list(
        Allocation.objects.filter(line__request=request, released=False).select_related(
            "line__item"
        )
    )
    shipment = services.shipment_create(
        institution=request.institution,
        allocations=allocations,
        fields={
            "carrier": data.carrier,
            "tracking_number": data.tracking_number,
            "currency": "CNY",
            "note": data.note,
        },
        user=office,
        on=data.prepared_on,
    )
    for weight, length, width, height in data.parcels:
        services.parcel_add(
            shipment=shipment,
            fields={
                "weight_kg": Decimal(weight),
                "length_cm": length,
                "width_cm": width,
                "height_cm": height,
            },
        )
    for status, on, note in data.steps:
        services.shipment_advance(shipment=shipment, status=status, on=on, user=office, note=note)
    if data.received_on is not None:
        services.shipment_confirm_receipt(
            shipment=shipment,
            lines=_receipt(allocations, data.receipt),
            user=partner if data.confirmed_by_partner else office,
            on=data.received_on,
        )
    return 1


def _receipt(
    allocations: list[Allocation], noted: dict[str, tuple[int, str]]
) -> list[services.LineReceipt]:
    """Every line as received; an item's shortfall is taken from its last lots."""
    missing = {
        name: sum(a.quantity for a in allocations if a.line.item.name == name) - received
        for name, (received, _note) in noted.items()
    }
    lines = []
    for allocation in reversed(allocations):
        name = allocation.line.item.name
        short = min(missing.get(name, 0), allocation.quantity)
        missing[name] = missing.get(name, 0) - short
        lines.append(
            services.LineReceipt(
                allocation_id=allocation.pk,
                received=allocation.quantity - short,
                note=noted[name][1] if short else "",
            )
        )
    return lines[::-1]


@transaction.atomic
def load() -> int:
    """Add the demo's aid campaigns; return how many new rows of note were made (items,
    pledges, lots, requests and shipments)."""
    if not Institution.objects.filter(name="Loma Linda University").exists():
        return 0
    office = User.objects.filter(username="office").first()
    partner = User.objects.filter(username="partner").first()
    created, items = _catalogue()
    today = timezone.localdate()
    for pledges, requests in (_historic(), _current(today)):
        for pledge in pledges:
            created += _pledge(pledge, items, office)
        for request in requests:
            created += _request(request, items, office, partner)
    return created
