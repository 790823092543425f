"""A shipment's papers: the packing list and the pro-forma invoice, bilingual PDFs that
customs abroad and the office both read, downloaded only by home staff and the contact of
the partner they are for."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from amity.aid import services
from amity.aid.models import Item
from tests.aid.conftest import partner_request, stock_up


def _text(response) -> str:
    reader = PdfReader(BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def shipped(world):
    """600 masks (two lots) and 200 suits approved for Stanford, packed in two parcels
    and on their way."""
    Item.objects.filter(pk=world.masks.pk).update(unit_value=Decimal("0.50"))
    Item.objects.filter(pk=world.suits.pk).update(unit_value=Decimal("45.00"))
    stock_up(world, world.masks, (400, date(2027, 3, 1)), (300, date(2028, 6, 1)))
    stock_up(world, world.suits, (250, None))
    world.masks.refresh_from_db()
    world.suits.refresh_from_db()
    request = partner_request(world, world.stanford, (world.masks, 600), (world.suits, 200))
    services.request_approve(
        request=request,
        approved={line.pk: line.quantity for line in request.lines.all()},
        user=world.office,
    )
    allocations = [a for line in request.lines.all() for a in line.allocations.all()]
    shipment = services.shipment_create(
        institution=world.stanford,
        allocations=allocations,
        fields={"carrier": "EMS", "tracking_number": "EE123456789CN", "currency": "CNY"},
        user=world.office,
    )
    for weight in ("12.50", "18.00"):
        services.parcel_add(
            shipment=shipment,
            fields={"weight_kg": Decimal(weight), "length_cm": 60, "width_cm": 40, "height_cm": 40},
        )
    services.shipment_advance(
        shipment=shipment,
        status="shipped",
        on=timezone.localdate(),
        user=world.office,
    )
    return shipment


def test_the_packing_list_lists_parcels_and_lots_in_english_and_chinese(aid_world, client):
    w = aid_world
    shipment = shipped(w)
    client.force_login(w.office)

    response = client.get(reverse("aid:packing_list", args=[shipment.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = _text(response)
    assert "Packing list / 装箱单" in text
    assert shipment.reference in text
    assert "浙江大学医学院附属儿童医院" in text  # the shipper
    assert "Dr. Ron Rosenfeld" in text  # the consignee
    assert "725 Welch Road" in text
    assert "EE123456789CN" in text
    assert "Surgical mask" in text and "医用外科口罩" in text
    assert "医用防护服" in text
    assert "YY 0469-2011" in text
    assert "HS 6307.90" in text and "HS 6210.10" in text  # each line's HS code
    assert "2027-03-01" in text and "2028-06-01" in text  # both lots' expiry dates
    assert "400 pcs" in text and "200 pcs" in text  # masks from each lot
    assert "8 × box of 50" in text  # 400 masks in boxes
    assert "2 parcels" in text
    assert "30.50" in text  # total weight
    assert "800" in text  # total units


def test_the_pro_forma_invoice_declares_a_donation_with_hs_codes_and_values(aid_world, client):
    w = aid_world
    shipment = shipped(w)
    client.force_login(w.office)

    text = _text(client.get(reverse("aid:proforma_invoice", args=[shipment.pk])))

    assert "Pro-forma invoice / 形式发票" in text
    assert "no commercial value" in text
    assert "捐赠物资，无商业价值" in text
    assert "6307.90" in text and "6210.10" in text
    assert "GB 19082-2009" in text
    assert "医用外科口罩" in text
    assert "300.00" in text  # 600 masks × 0.50
    assert "9,000.00" in text  # 200 suits × 45.00
    assert "CNY 9,300.00" in text  # total declared value
    assert "China / 中国" in text  # country of origin
    assert "Signature and stamp" in text


@pytest.mark.parametrize("name", ["packing_list", "proforma_invoice"])
def test_papers_go_to_the_partner_they_are_for_and_to_no_other(aid_world, client, name):
    w = aid_world
    shipment = shipped(w)
    url = reverse(f"aid:{name}", args=[shipment.pk])

    client.force_login(w.stanford_contact)
    assert "Stanford Children's Health" in _text(client.get(url))
    client.force_login(w.staff)
    assert shipment.reference in _text(client.get(url))

    client.force_login(w.milan_contact)
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] != "application/pdf"
    client.logout()
    assert client.get(url)["Location"].startswith(resolve_url(settings.LOGIN_URL))
