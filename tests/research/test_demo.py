"""The demo's joint research: the national centre's multi-centre COVID-19 cohort with
domestic and international sites in every state, one approval about to expire, one site far
behind its target — the partner contact's own, so the isolation shows; loading twice adds
nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from amity.accounts.models import User
from amity.directory.demo import load_demo
from amity.events.demo import load_demo_activities
from amity.research import selectors
from amity.research.demo import load
from amity.research.models import ApprovalState, EthicsApproval, SiteStatus, Study
from amity.sharing.demo import load_demo_sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo(synthetic_people=0)
    load_demo_activities()
    load_demo_sharing()
    return load()


def _cohort() -> Study:
    return Study.objects.get(acronym="PedCOVID-Cohort")


def test_the_cohort_has_domestic_and_international_sites_in_every_state(demo):
    study = _cohort()
    assert study.lead_institution.short_name == "ZCH"
    assert study.principal_investigator.full_name == "Fu Junfen"
    assert study.status == "enrolling"
    sites = {site.institution.name: site for site in study.sites.select_related("institution")}
    countries = {site.institution.country.code for site in sites.values()}
    assert {"CN", "US", "IT", "GB", "SG"} <= countries
    assert {site.status for site in sites.values()} == set(SiteStatus.values)
    assert sites["Xi'an Children's Hospital"].status == SiteStatus.APPROVALS_PENDING
    assert sites["Loma Linda University"].coordinator.user.username == "partner"
    assert [str(rid) for rid in study.registry_ids.order_by("registry")] == [
        "ChiCTR2300068815",
        "NCT05731874",
    ]
    assert [a.title for a in study.activities.all()] == [
        "COVID-19 Multicenter CICU Response — weekly call"
    ]
    assert study.documents.count() == 1
    agreement = sites["Loma Linda University"].agreements.get()
    assert (agreement.kind, agreement.status) == ("research", "active")


def test_one_approval_is_about_to_expire_at_the_partner_site(demo):
    today = timezone.localdate()
    in_force = EthicsApproval.objects.current().filter(site__study=_cohort())
    expiring = [a for a in in_force if a.state(today) == ApprovalState.EXPIRING]
    assert [a.site.institution.name for a in expiring] == ["Loma Linda University"]
    assert (expiring[0].expires_on - today).days == 12


def test_the_partner_site_is_far_behind_its_target(demo):
    office = User.objects.get(username="office")
    rows = {row.study.acronym: row for row in selectors.overview(office)}
    cohort = rows["PedCOVID-Cohort"]
    assert (cohort.sites, cohort.target) == (7, 620)
    enrolled = {
        site.institution.name: (sum(e.count for e in site.enrolments.all()), site.target)
        for site in _cohort().sites.select_related("institution").prefetch_related("enrolments")
    }
    assert cohort.enrolled == sum(count for count, _target in enrolled.values())
    share = {name: count / target for name, (count, target) in enrolled.items() if count}
    assert min(share, key=share.get) == "Loma Linda University"
    assert (
        share["Loma Linda University"]
        < 0.2
        < min(v for k, v in share.items() if k != "Loma Linda University")
    )


def test_the_partner_contact_sees_only_the_cohort_and_their_own_site(demo):
    partner = User.objects.get(username="partner")
    (row,) = selectors.overview(partner)
    loma = _cohort().sites.get(institution__name="Loma Linda University")
    assert (row.study.acronym, row.sites, row.target) == ("PedCOVID-Cohort", 1, loma.target)
    assert row.enrolled == sum(e.count for e in loma.enrolments.all())
    assert row.expiring
    assert {s.pk for s in selectors.sites_for(partner, _cohort())} == {loma.pk}
    assert set(loma.enrolments.values_list("entered_by__username", flat=True)) == {"partner"}


def test_the_2020_study_is_published_with_its_paper(demo):
    study = Study.objects.get(acronym="PedCOVID-2020")
    assert study.status == "published"
    assert study.publications.get().doi == "10.5555/amity-demo.2020.0101"
    assert sum(s.enrolments.count() for s in study.sites.all()) == 8


def test_loading_twice_adds_nothing(demo):
    assert demo > 0
    counts = (Study.objects.count(), EthicsApproval.objects.count())
    assert load() == 0
    assert (Study.objects.count(), EthicsApproval.objects.count()) == counts


def test_the_demo_command_loads_research(db):
    out = StringIO()
    call_command("load_demo", people=0, stdout=out)
    assert "new research records" in out.getvalue()
    assert Study.objects.filter(acronym="PedCOVID-Cohort").exists()
