"""A study's sites in the browser: the study team adds a site and records its approval;
the month grid takes counts only, refuses a negative count or a month that has not begun
with a message a person understands, and saves all months or none; a partner contact
enters their own site's enrolment and reaches no other site."""

import html
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from amity.research.forms import months_back
from amity.research.models import Enrolment, Site
from tests.factories import InstitutionFactory, PersonFactory
from tests.research import world

research_world = world.research_world

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    page = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _field(month: date) -> str:
    return f"m{month:%Y_%m}"


def test_the_study_team_adds_a_partner_site(research_world, login):
    w = research_world
    milan = InstitutionFactory(name="Ospedale Pediatrico Bambino Gesù", country="IT")
    site_pi = PersonFactory(institution=milan, family_name="Rossi", given_name="Marco")
    response = login(w.pi).post(
        reverse("research:site_add", args=[w.study.pk]),
        {
            "institution": milan.pk,
            "status": "approvals_pending",
            "site_pi": site_pi.pk,
            "target": "40",
            "joined_on": "2020-04-01",
        },
        follow=True,
    )
    site = Site.objects.get(study=w.study, institution=milan)
    assert (site.status, site.target, site.site_pi) == ("approvals_pending", 40, site_pi)
    text = _text(response)
    assert "Ospedale Pediatrico Bambino Gesù was added as a site of the study." in text
    assert "Approvals pending" in text


def test_a_site_is_added_once_per_study_with_a_count_for_target(research_world, login):
    w = research_world
    client = login(w.office)
    url = reverse("research:site_add", args=[w.study.pk])
    negative = _text(
        client.post(url, {"institution": w.other.pk, "status": "invited", "target": "-3"})
    )
    assert "Ensure this value is greater than or equal to 0." in negative
    twice = _text(client.post(url, {"institution": w.partner.pk, "status": "invited"}))
    assert "This institution is already a site of the study." in twice
    assert Site.objects.filter(study=w.study, institution=w.partner).count() == 1
    assert not Site.objects.filter(study=w.study, institution=w.other).exists()


def test_an_approval_is_recorded_and_dates_are_checked(research_world, login):
    w = research_world
    client = login(w.office)
    url = reverse("research:approval_add", args=[w.partner_site.pk])
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = _text(
        client.post(
            url,
            {
                "committee": "Loma Linda IRB",
                "reference": "IRB-5200",
                "approved_on": tomorrow.isoformat(),
                "expires_on": "2020-01-01",
            },
        )
    )
    assert "An approval cannot be dated in the future." in refused
    assert not w.partner_site.approvals.exists()

    response = client.post(
        url,
        {
            "committee": "Loma Linda IRB",
            "reference": "IRB-5200",
            "approved_on": "2020-03-01",
            "expires_on": "2020-02-01",
        },
    )
    assert "The approval must expire after the day it was given." in _text(response)

    response = client.post(
        url,
        {"committee": "Loma Linda IRB", "reference": "IRB-5200", "approved_on": "2020-03-01"},
        follow=True,
    )
    assert "The approval IRB-5200 of Loma Linda University was recorded." in _text(response)
    assert w.partner_site.approvals.get().reference == "IRB-5200"


def test_the_partner_contact_enters_their_sites_months(research_world, login):
    w = research_world
    client = login(w.partner_contact)
    url = reverse("research:enrolment", args=[w.partner_site.pk])
    page = _text(client.get(url))
    assert "Enrolment at Loma Linda University" in page
    assert "Amity holds counts and documents about studies — never patient-level data" in page
    last, before = months_back(timezone.localdate())[1:3]

    response = client.post(url, {_field(last): "4", _field(before): "0"}, follow=True)

    assert dict(w.partner_site.enrolments.values_list("month", "count")) == {last: 4, before: 0}
    assert Enrolment.objects.get(month=last).entered_by == w.partner_contact
    assert "was saved" in _text(response)
    # The grid shows the saved counts when it is opened again.
    assert f'name="{_field(last)}" value="4"' in response.content.decode()


def test_an_earlier_month_is_added_below_the_grid(research_world, login):
    w = research_world
    client = login(w.partner_contact)
    url = reverse("research:enrolment", args=[w.partner_site.pk])
    response = client.post(url, {"other_month": "2020-05", "other_count": "6"}, follow=True)
    assert w.partner_site.enrolments.get().month == date(2020, 5, 1)
    text = _text(response)
    assert "Earlier months" in text and "May 2020" in text


def test_the_grid_refuses_negative_counts_and_months_ahead(research_world, login):
    w = research_world
    client = login(w.office)
    url = reverse("research:enrolment", args=[w.home_site.pk])
    this_month = months_back(timezone.localdate())[0]
    next_year = f"{timezone.localdate().year + 1}-01"

    response = client.post(
        url, {_field(this_month): "-2", "other_month": next_year, "other_count": "3"}
    )

    text = _text(response)
    assert "Enter a count of 0 or more." in text
    assert "That month has not begun yet: enter it once it has." in text
    assert not Enrolment.objects.exists()

    text = _text(client.post(url, {_field(this_month): "twelve"}))
    assert "Enter a whole number of participants, such as 12." in text
    text = _text(client.post(url, {"other_month": "May 2020", "other_count": "3"}))
    assert "Enter a month as year and month, such as 2026-11." in text
    text = _text(client.post(url, {"other_month": "2020-05"}))
    assert "Enter how many were enrolled in that month." in text
    assert not Enrolment.objects.exists()


def test_enrolment_grid_of_another_site_is_not_found_for_a_partner(research_world, login):
    w = research_world
    client = login(w.partner_contact)
    for site in (w.home_site, w.domestic_site):
        url = reverse("research:enrolment", args=[site.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"other_month": "2020-05", "other_count": "9"}).status_code == 404
    assert not Enrolment.objects.exists()
    # A staff member who is not of the study's team reads the study but enters nothing.
    assert (
        login(w.staff).get(reverse("research:enrolment", args=[w.home_site.pk])).status_code == 403
    )


def test_the_grid_reads_in_chinese(research_world, login):
    w = research_world
    client = login(w.partner_contact)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    this_month = months_back(timezone.localdate())[0]
    text = _text(client.get(reverse("research:enrolment", args=[w.partner_site.pk])))
    assert f"{this_month.year}年{this_month.month}月" in text
