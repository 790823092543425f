"""A small aid world: masks and suits in the catalogue, a staff donor at the home
hospital, two partners abroad with a contact each, office staff."""

from dataclasses import dataclass
from datetime import date

import pytest

from amity.accounts.models import Role
from amity.aid import services
from amity.aid.models import Item
from tests.factories import HomeInstitutionFactory, InstitutionFactory, PersonFactory, UserFactory


@dataclass
class AidWorld:
    masks: Item
    suits: Item
    home: object
    donor: object
    stanford: object
    milan: object
    office: object
    staff: object
    stanford_contact: object
    milan_contact: object


@pytest.fixture
def aid_world(db) -> AidWorld:
    home = HomeInstitutionFactory()
    stanford = InstitutionFactory(name="Stanford Children's Health", country="US")
    milan = InstitutionFactory(name="Ospedale dei Bambini", country="IT")
    donor = PersonFactory(institution=home, family_name="Shen", given_name="Jie")
    masks = Item.objects.create(
        name="Surgical mask",
        name_local="医用外科口罩",
        measure_word="只",
        pack_size=50,
        pack_name="box",
        pack_name_local="盒",
        standard="YY 0469-2011",
        hs_code="6307.90",
    )
    suits = Item.objects.create(
        name="Protective clothing",
        name_local="医用防护服",
        measure_word="件",
        standard="GB 19082-2009",
        hs_code="6210.10",
    )
    return AidWorld(
        masks=masks,
        suits=suits,
        home=home,
        donor=donor,
        stanford=stanford,
        milan=milan,
        office=UserFactory(role=Role.OFFICE_STAFF),
        staff=UserFactory(role=Role.STAFF),
        stanford_contact=_contact(stanford),
        milan_contact=_contact(milan),
    )


def _contact(institution):
    user = UserFactory(role=Role.PARTNER_CONTACT)
    PersonFactory(institution=institution, user=user)
    return user


def stock_up(world: AidWorld, item: Item, *lots: tuple[int, date | None]):
    """Receive a staff member's pledge of ``item`` in the given (quantity, expiry) lots."""
    pledge = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": world.donor},
        lines=[(item, sum(quantity for quantity, _ in lots))],
        user=world.office,
    )
    return [
        services.pledge_receive(
            pledge=pledge,
            receipt=services.Receipt(item=item, quantity=quantity, expires_on=expiry),
            user=world.office,
        )
        for quantity, expiry in lots
    ]


def partner_request(world: AidWorld, institution, *lines, user=None):
    return services.request_create(
        institution=institution,
        fields={
            "urgency": "urgent",
            "delivery_address": "725 Welch Road, Palo Alto, CA 94304, USA",
            "consignee": "Dr. Ron Rosenfeld",
        },
        lines=list(lines),
        user=user or world.office,
    )
