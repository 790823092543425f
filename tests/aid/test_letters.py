"""Thanking a donor: one bilingual letter through the letters feature, naming what was
given and the partners it reached, queued by email in the donor's language, and never
twice."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from amity.aid import letters, services
from amity.aid.models import Pledge
from amity.core.models import OutboundEmail
from amity.directory.models import Language
from amity.relations.models import Campaign, Letter
from tests.aid.test_papers import shipped
from tests.factories import DepartmentFactory


@pytest.fixture
def reads_both(aid_world):
    donor = aid_world.donor
    donor.family_name_local, donor.given_name_local = "沈", "洁"
    donor.save()
    donor.languages.set(
        [
            Language.objects.get_or_create(code="zh", defaults={"name": "Chinese"})[0],
            Language.objects.get_or_create(code="en", defaults={"name": "English"})[0],
        ]
    )
    return donor


def _pledge(world) -> Pledge:
    return Pledge.objects.get(lots__item=world.suits)


def test_the_thank_you_names_the_gift_and_the_partner_and_is_queued(aid_world, reads_both, client):
    w = aid_world
    shipped(w)
    pledge = _pledge(w)
    client.force_login(w.office)

    response = client.post(reverse("aid:pledge_thank", args=[pledge.pk]))

    letter = Letter.objects.get(person=w.donor)
    pledge.refresh_from_db()
    assert pledge.thanked_letter == letter
    assert letter.language == "both"
    assert letter.body_en.startswith("Dear Jie Shen,")
    assert "thank you for your gift of 250 pieces of protective clothing" in letter.body_en
    assert "has reached our partner Stanford Children's Health (United States of America)." in (
        letter.body_en
    )
    assert letter.body_zh.startswith("尊敬的沈洁：")
    assert "医用防护服250件" in letter.body_zh
    assert "美国Stanford Children's Health" in letter.body_zh
    assert letter.subject == "感谢您对国际合作伙伴的捐赠 / Thank you for your gift to our partners"
    email = OutboundEmail.objects.get(letter=letter)
    assert email.to == [w.donor.email]
    assert email.status == OutboundEmail.Status.QUEUED
    assert "医用防护服250件" in email.body and "protective clothing" in email.body
    assert response["Location"] == pledge.get_absolute_url()


def test_a_gift_not_yet_shipped_lists_every_item_in_both_languages(aid_world, reads_both):
    w = aid_world
    pledge = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": w.donor},
        lines=[(w.masks, 600), (w.suits, 200)],
        user=w.office,
    )

    letter = letters.thank_donor(pledge=pledge, user=w.office)

    assert "your gift of 600 surgical masks and 200 pieces of protective clothing" in (
        letter.body_en
    )
    assert "医用外科口罩600只、医用防护服200件" in letter.body_zh
    assert "partners abroad who have asked for help" in letter.body_en


def test_a_colleague_who_reads_only_chinese_gets_a_chinese_letter(aid_world):
    w = aid_world
    pledge = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": w.donor},
        lines=[(w.masks, 600)],
        user=w.office,
    )

    letter = letters.thank_donor(pledge=pledge, user=w.office)

    assert letter.language == "zh"
    assert "医用外科口罩600只" in letter.body_zh
    assert letter.body_en == ""


def test_a_second_click_writes_no_second_letter(aid_world, reads_both, client):
    w = aid_world
    shipped(w)
    pledge = _pledge(w)
    client.force_login(w.office)
    url = reverse("aid:pledge_thank", args=[pledge.pk])

    client.post(url)
    again = client.post(url, follow=True)

    assert Letter.objects.filter(person=w.donor).count() == 1
    assert Campaign.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert letters.thank_donor(pledge=pledge, user=w.office) == pledge.thanked_letter
    assert Letter.objects.count() == 1
    assert "already thanked" in "".join(str(m) for m in again.context["messages"])


def test_departments_and_outside_donors_are_thanked_by_the_office_directly(aid_world, client):
    w = aid_world
    department = DepartmentFactory(name="Rehabilitation")
    by_department = services.pledge_create(
        fields={"donor_kind": "department", "donor_department": department},
        lines=[(w.masks, 100)],
        user=w.office,
    )
    outside = services.pledge_create(
        fields={"donor_kind": "outside", "donor_name": "Hangzhou Alumni Association"},
        lines=[(w.masks, 100)],
        user=w.office,
    )
    client.force_login(w.office)

    first = client.post(reverse("aid:pledge_thank", args=[by_department.pk]), follow=True)
    second = client.post(reverse("aid:pledge_thank", args=[outside.pk]), follow=True)

    assert "the office writes to the department directly" in _messages(first)
    assert "Hangzhou Alumni Association has no entry in the directory" in _messages(second)
    assert Letter.objects.count() == 0
    assert Campaign.objects.count() == 0


def test_only_office_staff_send_thanks(aid_world, client):
    w = aid_world
    pledge = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": w.donor},
        lines=[(w.masks, 600)],
        user=w.office,
    )
    url = reverse("aid:pledge_thank", args=[pledge.pk])

    client.force_login(w.staff)
    assert client.post(url).status_code == 403
    client.force_login(w.stanford_contact)
    assert client.post(url).status_code == 404
    client.force_login(w.office)
    assert client.get(url).status_code == 405
    assert Letter.objects.count() == 0


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db(transaction=True)
def test_four_clicks_at_the_same_moment_write_one_letter(aid_world):
    """Each click in its own thread with its own database connection, as two browser tabs
    on two app servers would: the pledge's row lock lets one write, the others find it."""
    w = aid_world
    pledge = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": w.donor},
        lines=[(w.masks, 600)],
        user=w.office,
    )
    start = threading.Barrier(4)
    results = []

    def click() -> None:
        start.wait()
        try:
            fresh = Pledge.objects.get(pk=pledge.pk)
            results.append(letters.thank_donor(pledge=fresh, user=w.office).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    letter = Letter.objects.get()
    assert results == [letter.pk] * 4
    assert Campaign.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
