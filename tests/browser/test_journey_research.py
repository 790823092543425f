"""A multi-centre study in a real browser, each step by the person who does it: the office
creates the study; adds Loma Linda as a partner site with its contact as coordinator; the
contact, in their own portal, sees only their site and enters two months of enrolment; the
study team sees the counts on the enrolment chart against the target. On a phone the study
page stays within the screen: the wide sites table scrolls in its own box."""

import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from amity.research.forms import months_back
from amity.research.models import Enrolment, Site, Study
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def log_in(browser, live_server):
    """Open a browser of one's own (language English, clock Hangzhou's) and log in."""
    contexts = []

    def _log_in(user, **options):
        context = browser.new_context(
            base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        return page

    yield _log_in
    for context in contexts:
        context.close()


def _person_label(person) -> str:
    return f"{person.full_name} · {person.institution.display_short_name}"


def test_a_study_goes_from_creation_to_partner_enrolment_on_the_chart(world, log_in):
    office_person = world.office.person
    contact = world.partner_contact.person

    # --- 1. The office creates the study. ---
    office = log_in(world.office)
    office.get_by_role("navigation", name="Main").get_by_role("link", name="Research").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Joint research")
    expect(office.get_by_test_id("no-patient-data")).to_contain_text("never patient-level data")
    office.get_by_role("link", name="Add a study").click()
    office.get_by_label("Title in English").fill("Multicentre study of COVID-19 in children")
    office.get_by_label("Title in Chinese").fill("儿童新型冠状病毒肺炎多中心研究")
    office.get_by_label("Acronym").fill("PEDCOV")
    office.get_by_label("Design").select_option(label="Observational")
    office.get_by_label("Lead institution").select_option(value=str(world.home.pk))
    office.get_by_label("Principal investigator").select_option(label=_person_label(office_person))
    office.get_by_label("Target enrolment").fill("200")
    office.get_by_role("button", name="Save").click()
    expect(
        office.get_by_text("The study “Multicentre study of COVID-19 in children” was created.")
    ).to_be_visible()
    expect(office.get_by_role("heading", level=1)).to_have_text(
        "Multicentre study of COVID-19 in children"
    )
    study = Study.objects.get(acronym="PEDCOV")

    # --- 2. The office adds Loma Linda as a site, its contact as coordinator. ---
    office.get_by_role("link", name="Add a site").click()
    office.get_by_label("Institution").select_option(value=str(world.partner.pk))
    office.get_by_label("Status").select_option(label="Active")
    office.get_by_label("Site coordinator").select_option(label=_person_label(contact))
    office.get_by_label("Target enrolment").fill("50")
    office.get_by_role("button", name="Save").click()
    expect(
        office.get_by_text("Loma Linda University was added as a site of the study.")
    ).to_be_visible()
    site = Site.objects.get(study=study)
    row = office.get_by_test_id("sites").get_by_role("row").filter(has_text="Loma Linda")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text(contact.full_name)
    expect(office.get_by_test_id("enrolment-summary")).to_have_text(
        "Enrolled in the whole study: 0 / 200"
    )

    # --- 3. Loma Linda's contact enters two months of their site's enrolment. ---
    partner = log_in(world.partner_contact)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Research").click()
    studies = partner.get_by_test_id("studies")
    expect(studies.get_by_role("row").filter(has_text="PEDCOV")).to_contain_text("0 of 50")
    studies.get_by_role("link", name=re.compile("PEDCOV")).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Multicentre study of COVID-19 in children"
    )
    expect(partner.get_by_role("link", name="Edit study")).to_have_count(0)
    partner.get_by_role("link", name="Enter enrolment").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Enrolment at Loma Linda University"
    )
    last, before = months_back(timezone.localdate())[1:3]
    partner.get_by_label(date_format(before, "YEAR_MONTH_FORMAT")).fill("4")
    partner.get_by_label(date_format(last, "YEAR_MONTH_FORMAT")).fill("-1")
    partner.get_by_role("button", name="Save enrolment").click()
    expect(partner.get_by_text("Enter a count of 0 or more.")).to_be_visible()
    assert not Enrolment.objects.exists()
    partner.get_by_label(date_format(last, "YEAR_MONTH_FORMAT")).fill("6")
    partner.get_by_role("button", name="Save enrolment").click()
    expect(partner.get_by_text(re.compile(r"The enrolment of .* was saved\."))).to_be_visible()
    assert dict(site.enrolments.values_list("month", "count")) == {before: 4, last: 6}
    assert {e.entered_by for e in Enrolment.objects.all()} == {world.partner_contact}

    # --- 4. The study team sees it on the chart, against the target. ---
    office.reload()
    expect(office.get_by_test_id("enrolment-summary")).to_have_text(
        "Enrolled in the whole study: 10 / 200"
    )
    chart = office.get_by_test_id("enrolment-chart")
    expect(chart.locator("svg")).to_be_visible()
    expect(chart).to_contain_text("Loma Linda")
    expect(office.locator(f"#site-{site.pk}").get_by_test_id("site-enrolled")).to_have_text(
        "10 / 50"
    )

    # --- 5. On a phone, the page fits the screen; the sites table scrolls in its box. ---
    phone = log_in(world.office, viewport={"width": 375, "height": 740})
    for url, part in (
        (study.get_absolute_url(), "sites"),
        ("/research/", "studies"),
        (f"/research/sites/{site.pk}/enrolment/", "enrolment-form"),
    ):
        phone.goto(url)
        expect(phone.get_by_test_id(part)).to_be_visible()
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, url
