"""Research where it belongs outside its own pages: the panel on an institution's page, the
partner's timeline, and the studies on a person's page — each as the reader may see it."""

from datetime import date, timedelta

from django.utils import timezone

from amity.relations.selectors import partner_timeline
from amity.research import services
from tests.factories import PersonFactory


def _approve(world, site, reference, days_left):
    today = timezone.localdate()
    return services.approval_record(
        by=world.office,
        site=site,
        committee="IRB",
        reference=reference,
        approved_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=days_left),
    )


def test_the_partner_page_shows_its_site_to_home_staff_and_its_own_contact(research_world, client):
    w = research_world
    services.site_update(by=w.office, site=w.partner_site, status="active")
    _approve(w, w.partner_site, "LLU-5200123", 20)
    services.enrolment_enter(
        by=w.partner_contact, site=w.partner_site, month=date(2025, 3, 1), count=6
    )
    for user in (w.staff, w.partner_contact):
        client.force_login(user)
        body = client.get(w.partner.get_absolute_url()).content.decode()
        assert 'data-testid="partner-research"' in body
        assert "PEDCOV" in body and "LLU-5200123" in body
        assert "6 of 50" in body
    client.force_login(w.partner_contact)
    assert "Enter enrolment" in client.get(w.partner.get_absolute_url()).content.decode()
    client.force_login(w.staff)
    assert "Enter enrolment" not in client.get(w.partner.get_absolute_url()).content.decode()


def test_another_partner_contact_never_sees_the_panel(research_world, client):
    w = research_world
    client.force_login(w.other_contact)
    response = client.get(w.partner.get_absolute_url())
    assert response.status_code == 404
    assert "PEDCOV" not in response.content.decode()
    # On their own page they see their own site, in the other study.
    body = client.get(w.other.get_absolute_url()).content.decode()
    assert "Registry of Kawasaki disease" in body and "PEDCOV" not in body


def test_the_timeline_has_joining_approvals_and_the_coming_expiry(research_world):
    w = research_world
    services.site_update(by=w.office, site=w.partner_site, joined_on=date(2025, 2, 3))
    approval = _approve(w, w.partner_site, "LLU-5200123", 20)
    entries = [
        (e.day, e.what, e.upcoming)
        for e in partner_timeline(user=w.partner_contact, institution=w.partner)
        if e.kind == "research"
    ]
    assert sorted(entries) == [
        (date(2025, 2, 3), "Joined the study as a site", False),
        (approval.approved_on, "Ethics approval given", False),
        (approval.expires_on, "Ethics approval expires", True),
    ]
    assert [
        e
        for e in partner_timeline(user=w.other_contact, institution=w.partner)
        if e.kind == "research"
    ] == []


def test_a_person_page_lists_the_studies_they_lead_and_coordinate(research_world, client):
    w = research_world
    client.force_login(w.staff)
    body = client.get(w.pi_person.get_absolute_url()).content.decode()
    assert 'data-testid="person-research"' in body
    assert "PEDCOV" in body and "Registry of Kawasaki disease" in body
    assert "Principal investigator" in body
    body = client.get(w.partner_person.get_absolute_url()).content.decode()
    assert "Site coordinator at Loma Linda University" in body
    client.force_login(w.partner_contact)
    body = client.get(w.partner_person.get_absolute_url()).content.decode()
    assert "PEDCOV" in body


def test_someone_without_a_part_in_a_study_has_no_section(research_world, client):
    w = research_world
    outsider = PersonFactory(institution=w.home, family_name="Xu", given_name="Jing")
    client.force_login(w.staff)
    response = client.get(outsider.get_absolute_url())
    assert "Xu Jing" in response.content.decode() or "Jing Xu" in response.content.decode()
    assert 'data-testid="person-research"' not in response.content.decode()
