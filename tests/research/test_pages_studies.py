"""The research overview and a study's page, as each role reads them: home staff see every
study and site with enrolment against target; a partner contact sees only studies their
institution takes part in, and within them only their own site — never another site nor
the study's total; anyone else finds nothing. Both languages: Chinese titles where stored,
dates as 2026年12月3日."""

import html
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from amity.events import services as event_services
from amity.relations.models import Agreement
from amity.research import services
from amity.research.models import Study
from amity.sharing.models import Document
from tests.factories import InstitutionFactory
from tests.research import world
from tests.research.world import contact

research_world = world.research_world

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _months_ago(n: int) -> date:
    today = timezone.localdate().replace(day=1)
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def figures(research_world):
    w = research_world
    for n in (3, 2, 1):
        services.enrolment_enter(by=w.office, site=w.home_site, month=_months_ago(n), count=20)
        services.enrolment_enter(by=w.office, site=w.domestic_site, month=_months_ago(n), count=5)
    services.enrolment_enter(
        by=w.partner_contact, site=w.partner_site, month=_months_ago(1), count=7
    )
    expires = timezone.localdate() + timedelta(days=20)
    services.approval_record(
        by=w.office,
        site=w.partner_site,
        committee="Loma Linda IRB",
        reference="IRB-5200",
        approved_on=date(2020, 3, 1),
        expires_on=expires,
    )
    services.approval_record(
        by=w.office,
        site=w.domestic_site,
        committee="SCMC Ethics Committee",
        reference="SCMC-2020-19",
        approved_on=date(2020, 2, 20),
    )
    return expires


def test_overview_lists_every_study_with_enrolled_against_target_for_home_staff(
    research_world, figures, login
):
    w = research_world
    response = login(w.staff).get(reverse("research:overview"))
    text = _text(response)

    assert "Amity holds counts and documents about studies — never patient-level data" in text
    assert "Multicentre study of COVID-19 in children" in text
    assert "Registry of Kawasaki disease" in text
    # 3 × 20 + 3 × 5 + 7 enrolled of the study's own target of 300; three sites.
    row = re.search(r"PEDCOV.*?Registry of Kawasaki", text).group(0)
    assert "82 of 300" in row
    assert "Enrolling" not in row and "Planning" in row
    assert 'min="0" max="300"' in response.content.decode()
    assert date_format(figures, "DATE_FORMAT") in row
    assert "expires soon" in row
    # Office staff and coordinators may start a study; a staff member may not.
    assert "Add a study" not in text
    assert "Add a study" in _text(login(w.office).get(reverse("research:overview")))


def test_overview_shows_a_partner_contact_only_their_own_site(research_world, figures, login):
    w = research_world
    response = login(w.partner_contact).get(reverse("research:overview"))
    text = _text(response)

    assert "Multicentre study of COVID-19 in children" in text
    assert "Registry of Kawasaki disease" not in text
    # Their site's 7 of its target 50 — not the study's 82 of 300.
    assert "7 of 50" in text
    assert "82" not in text and "300" not in text
    assert "Add a study" not in text
    assert "Your site" in text


def test_research_is_in_the_navigation_for_home_staff_and_partners_with_a_site(
    research_world, login
):
    w = research_world
    nav = '<a href="/research/"'
    assert nav in login(w.staff).get(reverse("home:home")).content.decode()
    assert nav in login(w.partner_contact).get(reverse("home:home")).content.decode()
    # A partner contact whose institution is no site of any study has no research.
    outsider = contact(InstitutionFactory(name="Hospital Sant Joan de Déu", country="ES"))
    client = login(outsider)
    assert nav not in client.get(reverse("home:home")).content.decode()
    assert client.get(reverse("research:overview")).status_code == 404


def test_study_page_shows_the_study_team_everything(research_world, figures, login):
    w = research_world
    services.registry_id_add(
        by=w.office, study=w.study, registry="clinicaltrials_gov", identifier="NCT04280705"
    )
    services.registry_id_add(
        by=w.office, study=w.study, registry="chictr", identifier="ChiCTR2000029308"
    )
    response = login(w.pi).get(w.study.get_absolute_url())
    html = response.content.decode()
    text = _text(response)

    assert "Amity holds counts and documents about studies" in text
    assert 'href="https://clinicaltrials.gov/study/NCT04280705"' in html
    assert "chictr.org.cn" in html and "ChiCTR2000029308" in text
    assert "Loma Linda University" in text and "Shanghai Children" in text
    assert "Ospedale" not in text
    assert "Enrolled in the whole study: 82 / 300" in text
    assert "IRB-5200" in text and "Expires soon" in text
    assert "SCMC-2020-19" in text and "does not expire" in text
    assert f'<tr id="site-{w.partner_site.pk}" class="expiring">' in html
    assert "<svg" in html and "enrolment-chart" in html
    # The PI is of the study's own team: they edit it.
    assert "Edit study" in text and "Add a site" in text and "Record an approval" in text


def test_study_page_shows_a_partner_contact_only_their_own_site(research_world, figures, login):
    w = research_world
    response = login(w.partner_contact).get(w.study.get_absolute_url())
    html = response.content.decode()
    text = _text(response)

    assert "Loma Linda University" in text
    assert "Shanghai Children" not in text and "SCMC-2020-19" not in text
    assert "Enrolled at your site: 7 / 50" in text
    assert "82" not in text and "Enrolled in the whole study" not in text
    assert "IRB-5200" in text
    assert f'href="{reverse("research:enrolment", args=[w.partner_site.pk])}"' in html
    assert "Edit study" not in text and "Add a site" not in text


def test_guessed_addresses_of_other_studies_and_sites_are_not_found(research_world, figures, login):
    w = research_world
    client = login(w.partner_contact)
    for url in (
        w.other_study.get_absolute_url(),
        reverse("research:study_edit", args=[w.other_study.pk]),
        reverse("research:enrolment", args=[w.domestic_site.pk]),
        reverse("research:site_edit", args=[w.home_site.pk]),
        reverse("research:approval_add", args=[w.domestic_site.pk]),
        reverse("research:study_create"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Multicentre study" not in _text(response)
    # Their own study they read, but do not edit.
    assert client.get(reverse("research:study_edit", args=[w.study.pk])).status_code == 403
    assert client.get(reverse("research:site_add", args=[w.study.pk])).status_code == 403
    assert login(None).get(w.study.get_absolute_url()).status_code == 302


def test_office_creates_a_study_and_lands_on_its_page(research_world, login):
    w = research_world
    client = login(w.office)
    response = client.post(
        reverse("research:study_create"),
        {
            "title": "Remote rehabilitation after cardiac surgery",
            "title_local": "心脏术后远程康复研究",
            "acronym": "REHAB-RC",
            "design": "interventional",
            "lead_institution": w.home.pk,
            "principal_investigator": w.pi_person.pk,
            "target_enrolment": "120",
            "start_on": "2026-01-05",
        },
        follow=True,
    )
    study = Study.objects.get(acronym="REHAB-RC")
    assert response.redirect_chain[-1][0] == study.get_absolute_url()
    text = _text(response)
    assert "The study “Remote rehabilitation after cardiac surgery” was created." in text
    assert "心脏术后远程康复研究" in text
    assert study.created_by == w.office


def test_study_form_refuses_an_end_before_the_start_and_a_negative_target(research_world, login):
    w = research_world
    response = login(w.office).post(
        reverse("research:study_edit", args=[w.study.pk]),
        {
            "title": w.study.title,
            "design": "observational",
            "lead_institution": w.home.pk,
            "principal_investigator": w.pi_person.pk,
            "target_enrolment": "-5",
            "start_on": "2020-02-01",
            "end_on": "2019-12-31",
        },
    )
    text = _text(response)
    assert "The end cannot be before the start." in text
    assert "Ensure this value is greater than or equal to 0." in text
    w.study.refresh_from_db()
    assert (w.study.target_enrolment, w.study.end_on) == (300, None)


def test_registry_identifiers_are_checked_by_format(research_world, login):
    w = research_world
    client = login(w.pi)
    url = reverse("research:registry_add", args=[w.study.pk])

    bad_nct = _text(client.post(url, {"registry": "clinicaltrials_gov", "identifier": "NCT123"}))
    bad_chictr = _text(client.post(url, {"registry": "chictr", "identifier": "CTR2000029308"}))
    assert "NCT04280705" in bad_nct and "Please correct the errors below." in bad_nct
    assert "ChiCTR2000029308" in bad_chictr
    assert not w.study.registry_ids.exists()

    response = client.post(
        url,
        {
            "registry": "clinicaltrials_gov",
            "identifier": "https://clinicaltrials.gov/study/nct04280705",
        },
        follow=True,
    )
    assert "NCT04280705 was added to the study." in _text(response)
    assert list(w.study.registry_ids.values_list("identifier", flat=True)) == ["NCT04280705"]


def test_status_moves_on_the_study_page(research_world, login):
    w = research_world
    response = login(w.pi).post(
        reverse("research:study_status", args=[w.study.pk]), {"status": "enrolling"}, follow=True
    )
    assert "The study is now: Enrolling." in _text(response)
    w.study.refresh_from_db()
    assert w.study.status == "enrolling"
    assert (
        login(w.staff)
        .post(reverse("research:study_status", args=[w.study.pk]), {"status": "closed"})
        .status_code
        == 403
    )
    lonely = services.study_create(
        by=w.office,
        title="A study without sites",
        design="other",
        lead_institution=w.home,
        principal_investigator=w.pi_person,
    )
    response = login(w.office).post(
        reverse("research:study_status", args=[lonely.pk]), {"status": "enrolling"}, follow=True
    )
    assert "Add at least one site before the study starts enrolling." in _text(response)
    lonely.refresh_from_db()
    assert lonely.status == "planning"


def test_team_members_are_added_and_taken_off_after_confirming(research_world, login):
    w = research_world
    client = login(w.office)
    response = client.post(
        reverse("research:member_add", args=[w.study.pk]),
        {"person": w.home_coordinator_person.pk, "role": "statistician"},
        follow=True,
    )
    name = w.home_coordinator_person.full_name
    assert f"{name} joined the study team." in _text(response)
    member = w.study.members.get()
    url = reverse("research:member_remove", args=[w.study.pk, member.pk])
    assert f"Take {name} (Statistician) off the team" in _text(client.post(url))
    assert w.study.members.exists()
    client.post(url, {"confirm": "1"})
    assert not w.study.members.exists()


def test_linked_documents_activities_and_agreements_show_on_the_study(research_world, login):
    w = research_world
    document = Document.objects.create(
        title="PEDCOV protocol", kind="protocol", scope="all_partners"
    )
    call = event_services.activity_create(
        fields={
            "title": "PEDCOV weekly study call",
            "kind": "call",
            "status": "confirmed",
            "visibility": "partners",
            "time_zone": "Asia/Shanghai",
        },
        partners=[w.partner],
    )
    client = login(w.office)
    client.post(reverse("research:link_document", args=[w.study.pk]), {"document": document.pk})
    client.post(reverse("research:link_activity", args=[w.study.pk]), {"activity": call.pk})
    agreement = Agreement.objects.create(
        title="Loma Linda research collaboration",
        kind="research",
        status="active",
        signed_on=date(2020, 3, 1),
    )
    agreement.partners.add(w.partner)
    client.post(
        reverse("research:site_agreement", args=[w.partner_site.pk]), {"agreement": agreement.pk}
    )

    text = _text(client.get(w.study.get_absolute_url()))
    assert "PEDCOV protocol" in text
    assert "PEDCOV weekly call" not in text
    assert "PEDCOV weekly study call" in text and "Plan fair call times" in text
    assert "Loma Linda research collaboration" in text
    assert list(w.study.activities.all()) == [call]
    # A partner contact reads the call and the protocol shared with all partners, but
    # may not plan the call.
    partner_text = _text(login(w.partner_contact).get(w.study.get_absolute_url()))
    assert "PEDCOV weekly study call" in partner_text and "PEDCOV protocol" in partner_text
    assert "Plan fair call times" not in partner_text
    assert "unlink" not in partner_text

    # Unlinking asks first, and leaves the document itself alone.
    client = login(w.office)
    url = reverse("research:unlink_document", args=[w.study.pk, document.pk])
    assert "Unlink “PEDCOV protocol” from" in _text(client.get(url))
    assert w.study.documents.exists()
    response = client.post(url, {"confirm": "1"}, follow=True)
    assert "“PEDCOV protocol” is no longer linked to the study." in _text(response)
    assert not w.study.documents.exists() and Document.objects.filter(pk=document.pk).exists()
    url = reverse("research:site_unlink_agreement", args=[w.partner_site.pk, agreement.pk])
    client.post(url, {"confirm": "1"})
    assert not w.partner_site.agreements.exists()


def test_chinese_reader_sees_the_chinese_title_and_chinese_dates(research_world, figures, login):
    w = research_world
    client = login(w.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = _text(client.get(reverse("research:overview")))
    assert "儿童新型冠状病毒肺炎多中心研究" in text
    assert f"{figures.year}年{figures.month}月{figures.day}日" in text

    page = _text(client.get(w.study.get_absolute_url()))
    assert "儿童新型冠状病毒肺炎多中心研究" in page
    assert "2020年2月1日" in page


def test_overview_and_study_page_need_no_more_queries_for_more_studies_and_sites(
    research_world, figures, login
):
    """The overview is a fixed number of queries, however many studies, sites and months;
    so is a study's page, however many sites."""
    w = research_world
    client = login(w.office)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        # The login's own bookkeeping (the session, saved now and then; second-factor
        # devices) is not the page's.
        return sum(
            not any(word in q["sql"] for word in ("django_session", "SAVEPOINT", "otp_"))
            for q in captured.captured_queries
        )

    overview, study_page = (
        queries(reverse("research:overview")),
        queries(w.study.get_absolute_url()),
    )
    for n in range(3):
        study = services.study_create(
            by=w.office,
            title=f"Study {n}",
            design="registry",
            lead_institution=w.home,
            principal_investigator=w.pi_person,
        )
        for institution in (w.home, w.domestic, w.partner):
            site = services.site_add(by=w.office, study=study, institution=institution, target=9)
            services.enrolment_enter(by=w.office, site=site, month=_months_ago(2), count=3)
    services.site_add(by=w.office, study=w.study, institution=w.other, target=5)

    assert queries(reverse("research:overview")) == overview
    assert queries(w.study.get_absolute_url()) == study_page
