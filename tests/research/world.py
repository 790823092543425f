"""A small research world for research-core's tests: the home hospital leads a study with
three sites — itself, a domestic hospital and an overseas partner — and a second study in
which the partner takes no part. One login of each role, plus the partner's contact, a
contact of the domestic hospital, and the study's PI and a site coordinator at home.

Imported by the test modules that use it (``from tests.research.world import
research_world``), so it does not clash with other research test fixtures."""

from dataclasses import dataclass
from datetime import date

import pytest

from amity.accounts.models import Role
from amity.directory.models import PartnershipStatus
from amity.research import services
from amity.research.models import Site, Study
from tests.factories import HomeInstitutionFactory, InstitutionFactory, PersonFactory, UserFactory


@dataclass
class ResearchWorld:
    home: object
    domestic: object
    partner: object
    other: object
    office: object
    coordinator: object
    staff: object
    pi: object  # a login: the study's principal investigator (home staff)
    pi_person: object
    home_coordinator_person: object
    partner_contact: object
    partner_person: object
    domestic_contact: object
    other_contact: object
    study: Study
    other_study: Study
    home_site: Site
    domestic_site: Site
    partner_site: Site

    def user(self, role: str):
        return {
            "anonymous": None,
            "office": self.office,
            "coordinator": self.coordinator,
            "staff": self.staff,
            "partner": self.partner_contact,
        }[role]


def contact(institution, **person):
    user = UserFactory(role=Role.PARTNER_CONTACT)
    PersonFactory(institution=institution, user=user, **person)
    return user


@pytest.fixture
def research_world(db) -> ResearchWorld:
    home = HomeInstitutionFactory()
    domestic = InstitutionFactory(
        name="Shanghai Children's Medical Center",
        country="CN",
        city="Shanghai",
        time_zone="Asia/Shanghai",
        partnership_status=PartnershipStatus.ACTIVE,
    )
    partner = InstitutionFactory(
        name="Loma Linda University", country="US", time_zone="America/Los_Angeles"
    )
    other = InstitutionFactory(name="Ospedale dei Bambini", country="IT", time_zone="Europe/Rome")
    office = UserFactory(role=Role.OFFICE_STAFF)
    pi = UserFactory(role=Role.STAFF)
    pi_person = PersonFactory(
        institution=home, user=pi, family_name="Fu", given_name="Junfen", time_zone="Asia/Shanghai"
    )
    home_coordinator_person = PersonFactory(institution=home, family_name="Chen", given_name="Li")
    partner_contact = UserFactory(role=Role.PARTNER_CONTACT)
    partner_person = PersonFactory(
        institution=partner, user=partner_contact, family_name="Rivera", given_name="Ana"
    )
    study = services.study_create(
        by=office,
        title="Multicentre study of COVID-19 in children",
        title_local="儿童新型冠状病毒肺炎多中心研究",
        acronym="PEDCOV",
        design="observational",
        lead_institution=home,
        principal_investigator=pi_person,
        target_enrolment=300,
        start_on=date(2020, 2, 1),
    )
    other_study = services.study_create(
        by=office,
        title="Registry of Kawasaki disease",
        design="registry",
        lead_institution=home,
        principal_investigator=pi_person,
    )
    home_site = services.site_add(
        by=office, study=study, institution=home, coordinator=home_coordinator_person, target=150
    )
    domestic_site = services.site_add(by=office, study=study, institution=domestic, target=100)
    partner_site = services.site_add(
        by=office, study=study, institution=partner, coordinator=partner_person, target=50
    )
    services.site_add(by=office, study=other_study, institution=other, target=20)
    return ResearchWorld(
        home=home,
        domestic=domestic,
        partner=partner,
        other=other,
        office=office,
        coordinator=UserFactory(role=Role.COORDINATOR),
        staff=UserFactory(role=Role.STAFF),
        pi=pi,
        pi_person=pi_person,
        home_coordinator_person=home_coordinator_person,
        partner_contact=partner_contact,
        partner_person=partner_person,
        domestic_contact=contact(domestic),
        other_contact=contact(other),
        study=study,
        other_study=other_study,
        home_site=home_site,
        domestic_site=domestic_site,
        partner_site=partner_site,
    )
