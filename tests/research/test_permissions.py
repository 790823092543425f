"""Who sees which study, site, approval and month of enrolment, through the permission
helpers and the selectors every page and endpoint starts from; the overview's figures and
its fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amity.accounts.models import Role
from amity.research import permissions, selectors, services
from amity.research.models import Enrolment, EthicsApproval
from tests.factories import InstitutionFactory, PersonFactory, UserFactory

THIS_MONTH = timezone.localdate().replace(day=1)


def _last_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def _enrol(world):
    """Home 10 + 5, domestic 7, partner 3 + 1."""
    w = world
    previous = _last_month(THIS_MONTH)
    for site, counts in (
        (w.home_site, [10, 5]),
        (w.domestic_site, [7]),
        (w.partner_site, [3, 1]),
    ):
        for month, count in zip([previous, THIS_MONTH], counts, strict=False):
            Enrolment.objects.create(site=site, month=month, count=count)


def test_home_staff_see_every_study_partner_contacts_only_those_they_are_a_site_of(
    research_world,
):
    w = research_world
    for user in (w.office, w.coordinator, w.staff):
        assert set(selectors.studies_for(user)) == {w.study, w.other_study}
    assert list(selectors.studies_for(w.partner_contact)) == [w.study]
    assert list(selectors.studies_for(w.other_contact)) == [w.other_study]
    assert list(selectors.studies_for(None)) == []
    lost = UserFactory(role=Role.PARTNER_CONTACT)  # a contact with no directory entry
    assert list(selectors.studies_for(lost)) == []


def test_a_study_the_user_may_not_see_does_not_exist_for_them(research_world):
    w = research_world
    assert selectors.study_for(w.partner_contact, w.study.pk) == w.study
    with pytest.raises(Http404):
        selectors.study_for(w.partner_contact, w.other_study.pk)
    with pytest.raises(Http404):
        selectors.site_for(w.partner_contact, w.domestic_site.pk)
    assert selectors.site_for(w.partner_contact, w.partner_site.pk) == w.partner_site


def test_a_partner_contact_sees_only_their_own_site_of_a_study(research_world):
    w = research_world
    assert list(selectors.sites_for(w.partner_contact, w.study)) == [w.partner_site]
    assert list(selectors.sites_for(w.domestic_contact, w.study)) == [w.domestic_site]
    assert [s.institution.name for s in selectors.sites_for(w.staff, w.study)] == [
        "Children's Hospital of Zhejiang University School of Medicine",
        "Loma Linda University",
        "Shanghai Children's Medical Center",
    ]
    assert not permissions.can_see_site(w.partner_contact, w.home_site)
    assert permissions.can_see_site(w.staff, w.partner_site)


def test_a_partner_contact_sees_only_their_own_site_enrolment_and_approvals(research_world):
    w = research_world
    _enrol(w)
    for site, reference in ((w.home_site, "2020-IRB-051"), (w.partner_site, "5200123")):
        EthicsApproval.objects.create(
            site=site, committee="EC", reference=reference, approved_on=date(2020, 2, 1)
        )
    rows = selectors.enrolment_for(w.partner_contact, w.study)
    assert [(r.site_id, r.count) for r in rows] == [(w.partner_site.pk, 3), (w.partner_site.pk, 1)]
    assert len(selectors.enrolment_for(w.pi, w.study)) == 5
    assert list(selectors.approvals_for(w.partner_contact, w.home_site)) == []
    assert [a.reference for a in selectors.approvals_for(w.partner_contact, w.partner_site)] == [
        "5200123"
    ]
    assert selectors.site_enrolment(w.partner_contact, w.home_site) == {}


def test_the_overview_gives_home_staff_the_whole_study(research_world):
    w = research_world
    _enrol(w)
    today = timezone.localdate()
    EthicsApproval.objects.create(
        site=w.partner_site,
        committee="IRB",
        reference="A",
        approved_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=20),
    )
    EthicsApproval.objects.create(
        site=w.home_site,
        committee="EC",
        reference="B",
        approved_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=200),
    )
    rows = {row.study: row for row in selectors.overview(w.staff)}
    row = rows[w.study]
    assert (row.sites, row.enrolled, row.target, row.percent) == (3, 26, 300, 9)
    assert row.next_expiry == today + timedelta(days=20)
    assert row.expiring and not row.expired
    other = rows[w.other_study]
    assert (other.sites, other.enrolled, other.target, other.next_expiry) == (1, 0, 20, None)


def test_the_overview_gives_a_partner_contact_only_their_own_site(research_world):
    """Neither the study's total enrolment nor its other sites' approvals."""
    w = research_world
    _enrol(w)
    EthicsApproval.objects.create(
        site=w.home_site,
        committee="EC",
        reference="B",
        approved_on=date(2020, 1, 1),
        expires_on=timezone.localdate() + timedelta(days=5),
    )
    (row,) = selectors.overview(w.partner_contact)
    assert (row.study, row.sites, row.enrolled, row.target, row.next_expiry) == (
        w.study,
        1,
        4,
        50,
        None,
    )
    assert selectors.overview(None) == []


def test_the_overview_takes_four_queries_however_many_studies(research_world):
    w = research_world
    _enrol(w)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.overview(w.staff)
        return len(captured)

    before = queries()
    for n in range(5):
        study = services.study_create(
            by=w.office,
            title=f"Study {n}",
            design="other",
            lead_institution=w.home,
            principal_investigator=w.pi_person,
        )
        for k in range(3):
            site = services.site_add(
                by=w.office, study=study, institution=InstitutionFactory(name=f"H{n}-{k}")
            )
            Enrolment.objects.create(site=site, month=THIS_MONTH, count=k)
            EthicsApproval.objects.create(
                site=site, committee="EC", reference="R", approved_on=date(2020, 1, 1)
            )
    assert before == queries() == 4
    assert len(selectors.overview(w.staff)) == 7


@pytest.mark.parametrize(
    "who, can_edit",
    [("office", True), ("pi", True), ("coordinator", False), ("staff", False), ("partner", False)],
)
def test_who_edits_the_study(research_world, who, can_edit):
    w = research_world
    user = w.pi if who == "pi" else w.user(who)
    assert permissions.can_edit_study(user, w.study) is can_edit
    assert permissions.can_record_approval(user, w.partner_site) is can_edit


def test_a_team_member_logged_in_as_a_partner_contact_does_not_edit(research_world):
    """A partner's statistician on the team reads the study as a partner, and edits nothing."""
    w = research_world
    services.study_member_add(
        by=w.office, study=w.study, person=w.partner_person, role="statistician"
    )
    assert not permissions.can_edit_study(w.partner_contact, w.study)
    assert permissions.can_enter_enrolment(w.partner_contact, w.partner_site)
    assert not permissions.can_enter_enrolment(w.partner_contact, w.home_site)


def test_studies_of_an_institution_and_a_person(research_world):
    w = research_world
    assert list(selectors.studies_of_institution(w.partner)) == [w.study]
    assert set(selectors.studies_of_institution(w.home)) == {w.study, w.other_study}
    assert set(selectors.studies_of_person(w.pi_person)) == {w.study, w.other_study}
    assert list(selectors.studies_of_person(w.partner_person)) == [w.study]
    outsider = PersonFactory(institution=w.home)
    assert list(selectors.studies_of_person(outsider)) == []


def test_a_person_page_lists_their_roles_as_the_reader_may_see_them(research_world):
    w = research_world
    services.site_update(by=w.office, site=w.home_site, site_pi=w.pi_person)
    mine = selectors.person_studies(w.staff, w.pi_person)
    assert [(e.study.acronym, e.roles) for e in mine] == [
        ("PEDCOV", ("Principal investigator", "Site PI at ZCH")),
        ("", ("Principal investigator",)),
    ]
    # A partner contact sees the study they take part in, not the other one.
    assert [e.study for e in selectors.person_studies(w.partner_contact, w.pi_person)] == [w.study]
    assert [
        e.roles for e in selectors.person_studies(w.partner_contact, w.home_coordinator_person)
    ] == []
