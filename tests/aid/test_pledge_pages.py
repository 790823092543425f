"""Pledges in the browser: the office records anyone's gift, a staff member only their own;
each row of what is pledged carries its own errors and nothing is saved until all are
right; a pledge received in lots shows what was pledged against what arrived."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from amity.aid import services
from amity.aid.models import Lot, Pledge, PledgeLine
from tests.aid.test_stock_pages import make_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplies(world):
    return make_items()


def _pledge_of(world, supplies, *, kind="staff", user=None, **donor):
    donor = donor or {"donor_person": world.staff.person}
    return services.pledge_create(
        fields={"donor_kind": kind, **donor},
        lines=[(supplies.masks, 6000), (supplies.suits, 800)],
        user=user or world.office,
    )


def _rows(*rows):
    data = {}
    for i, (item, quantity, counted_in) in enumerate(rows):
        data.update({f"item_{i}": item, f"quantity_{i}": quantity, f"counted_in_{i}": counted_in})
    return data


def test_office_records_an_outside_donors_pledge_in_units_and_packs(world, supplies, login):
    client = login(world.office)

    response = client.post(
        reverse("aid:pledge_create"),
        {
            "donor_kind": "outside",
            "donor_name": "Zhejiang Alumni of Harvard",
            "donor_email": "alumni@example.org",
            "pledged_on": "2020-03-20",
            **_rows(
                (supplies.masks.pk, "120", "packs"),
                ("", "", "units"),
                (supplies.suits.pk, "800", "units"),
            ),
        },
        follow=True,
    )

    pledge = Pledge.objects.get()
    assert (pledge.donor_kind, pledge.donor_name, pledge.created_by) == (
        "outside",
        "Zhejiang Alumni of Harvard",
        world.office,
    )
    assert dict(pledge.lines.values_list("item__name", "quantity")) == {
        "Surgical mask": 6000,
        "Protective clothing": 800,
    }
    page = response.content.decode()
    assert "The pledge was saved." in page
    assert "6,000 (120 × box of 50)" in page
    assert "Zhejiang Alumni of Harvard" in page


def test_office_records_a_departments_pledge(world, supplies, login):
    login(world.office).post(
        reverse("aid:pledge_create"),
        {
            "donor_kind": "department",
            "donor_department": world.cardiology.pk,
            "pledged_on": "2020-03-20",
            **_rows((supplies.suits.pk, "200", "units")),
        },
    )

    pledge = Pledge.objects.get()
    assert (pledge.donor_department, pledge.donor_person) == (world.cardiology, None)


def test_a_staff_member_records_only_their_own_pledge(world, supplies, login):
    client = login(world.staff)
    form = client.get(reverse("aid:pledge_create")).content.decode()
    assert 'name="donor_kind"' not in form
    assert 'name="donor_person"' not in form
    assert "You record your own pledge" in form

    client.post(
        reverse("aid:pledge_create"),
        {
            # A hand-made request naming another donor changes nothing.
            "donor_kind": "outside",
            "donor_name": "Someone else",
            "donor_person": world.rehab_colleague.pk,
            "pledged_on": "2020-03-20",
            **_rows((supplies.masks.pk, "500", "units")),
        },
    )

    pledge = Pledge.objects.get()
    assert (pledge.donor_kind, pledge.donor_person, pledge.donor_name) == (
        "staff",
        world.staff.person,
        "",
    )
    assert pledge.created_by == world.staff


def test_each_rows_error_is_shown_on_that_row_and_nothing_is_saved(world, supplies, login):
    client = login(world.office)

    page = client.post(
        reverse("aid:pledge_create"),
        {
            "donor_kind": "staff",
            "donor_person": world.staff.person.pk,
            "pledged_on": "2020-03-20",
            **_rows(
                (supplies.masks.pk, "100", "units"),
                (supplies.suits.pk, "", "units"),
                (supplies.masks.pk, "5", "packs"),
                ("", "-3", "units"),
            ),
        },
    ).content.decode()

    rows = page.split('data-testid="pledge-rows"')[1].split("<tr")[2:]
    assert "errorlist" not in rows[0]
    assert "Enter the quantity." in rows[1]
    assert "Surgical mask is listed twice." in rows[2]
    assert "Ensure this value is greater than or equal to 1." in rows[3]
    assert not Pledge.objects.exists()
    assert not PledgeLine.objects.exists()


def test_a_pledge_without_any_item_or_donor_is_refused(world, supplies, login):
    page = (
        login(world.office)
        .post(reverse("aid:pledge_create"), {"donor_kind": "outside", "pledged_on": "2020-03-20"})
        .content.decode()
    )

    assert "Add at least one item." in page
    assert not Pledge.objects.exists()

    page = (
        login(world.office)
        .post(
            reverse("aid:pledge_create"),
            {
                "donor_kind": "outside",
                "pledged_on": "2020-03-20",
                **_rows((supplies.masks.pk, "10", "units")),
            },
        )
        .content.decode()
    )
    assert "Enter the donor&#x27;s name." in page
    assert not Pledge.objects.exists()


def test_a_pledge_received_in_two_lots_shows_pledged_against_received(world, supplies, login):
    pledge = _pledge_of(world, supplies)
    client = login(world.office)
    url = reverse("aid:pledge_receive", args=[pledge.pk])

    client.post(
        url,
        {
            "item": supplies.masks.pk,
            "quantity": "40",
            "counted_in": "packs",
            "lot_number": "BOS-01",
            "expires_on": "2027-06-30",
            "location": "Store room B2",
            "received_on": "2020-03-25",
        },
    )
    response = client.post(
        url,
        {
            "item": supplies.masks.pk,
            "quantity": "1500",
            "counted_in": "units",
            "lot_number": "BOS-02",
            "received_on": "2020-03-28",
        },
        follow=True,
    )

    assert sorted(Lot.objects.filter(pledge=pledge).values_list("lot_number", "available")) == [
        ("BOS-01", 2000),
        ("BOS-02", 1500),
    ]
    page = response.content.decode()
    assert "1,500 (30 × box of 50) of Surgical mask were received and put in stock." in page
    lines = page.split('data-testid="lines"')[1].split("</table>")[0]
    masks = lines.split("Surgical mask")[1].split("</tr>")[0]
    assert "6,000 (120 × box of 50)" in masks
    assert "3,500 (70 × box of 50)" in masks
    suits = lines.split("Protective clothing")[1].split("</tr>")[0]
    assert [c.split("</td>")[0] for c in suits.split('class="num">')[1:]] == ["800", "0"]
    lots = page.split('data-testid="lots"')[1]
    assert "BOS-01" in lots and "BOS-02" in lots and "Store room B2" in lots


def test_receiving_an_item_the_pledge_does_not_list_is_refused(world, supplies, login):
    pledge = services.pledge_create(
        fields={"donor_kind": "outside", "donor_name": "Alumni"},
        lines=[(supplies.suits, 100)],
        user=world.office,
    )

    page = (
        login(world.office)
        .post(
            reverse("aid:pledge_receive", args=[pledge.pk]),
            {"item": supplies.masks.pk, "quantity": "10", "counted_in": "units"},
        )
        .content.decode()
    )

    assert "Select a valid choice." in page
    assert not Lot.objects.exists()


def test_only_the_office_may_receive_and_thank(world, supplies, login):
    pledge = _pledge_of(world, supplies)
    url = reverse("aid:pledge_receive", args=[pledge.pk])
    thank = reverse("aid:pledge_thank", args=[pledge.pk])

    office = login(world.office).get(pledge.get_absolute_url()).content.decode()
    assert "Thank the donor" in office and f'action="{thank}"' in office
    assert "Receive a lot" in office
    coordinator = login(world.coordinator)
    page = coordinator.get(pledge.get_absolute_url()).content.decode()
    assert "Thank the donor" not in page and "Receive a lot" not in page
    refused = coordinator.post(url, {"item": supplies.masks.pk, "quantity": "1"})
    assert refused.status_code == 403
    assert not Lot.objects.exists()


def test_the_thank_you_button_is_only_for_a_staff_donor_not_yet_thanked(world, supplies, login):
    outside = _pledge_of(world, supplies, kind="outside", donor_name="Alumni")

    page = login(world.office).get(outside.get_absolute_url()).content.decode()

    assert "Thank the donor" not in page
    assert "not yet" in page


def test_a_staff_member_edits_their_own_pledge_but_not_anothers(world, supplies, login):
    own = _pledge_of(world, supplies, user=world.staff)
    others = _pledge_of(world, supplies, user=world.office)
    client = login(world.staff)

    client.post(
        reverse("aid:pledge_edit", args=[own.pk]),
        {"pledged_on": "2020-04-01", "note": "Bought in Boston", "donor_email": ""},
    )
    own.refresh_from_db()
    assert (own.pledged_on, own.note, own.donor_person) == (
        date(2020, 4, 1),
        "Bought in Boston",
        world.staff.person,
    )
    refused = client.get(reverse("aid:pledge_edit", args=[others.pk]))
    assert refused.status_code == 403
    assert "You do not have permission to see this page" in refused.content.decode()


def test_pledge_list_shows_donors_of_every_kind(world, supplies, login):
    _pledge_of(world, supplies)
    _pledge_of(world, supplies, kind="department", donor_department=world.rehab)
    _pledge_of(world, supplies, kind="outside", donor_name="Zhejiang Alumni of Harvard")

    page = login(world.coordinator).get(reverse("aid:pledge_list")).content.decode()

    assert "Shen Jie" in page
    assert "Rehabilitation" in page
    assert "Zhejiang Alumni of Harvard" in page
    assert page.count("6,800") == 3


def test_chinese_pledge_page_shows_chinese_dates_and_item_names(world, supplies, client):
    pledge = services.pledge_create(
        fields={"donor_kind": "department", "donor_department": world.rehab},
        lines=[(supplies.masks, 500)],
        user=world.office,
    )
    pledge.pledged_on = date(2026, 12, 3)
    pledge.save()
    client.force_login(world.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    page = client.get(pledge.get_absolute_url()).content.decode()

    assert "2026年12月3日" in page
    assert "医用外科口罩" in page
    assert "康复科" in page
