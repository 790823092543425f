"""The research models: what the database and ``clean()`` refuse, and what is derived."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from amity.research.models import (
    ApprovalState,
    Enrolment,
    EthicsApproval,
    Publication,
    RegistryId,
    Site,
    Study,
    StudyStatus,
)


def test_study_statuses_are_in_the_order_of_a_study(db):
    """Planning → approvals → enrolling → follow-up → analysis → published → closed."""
    assert StudyStatus.values == [
        "planning",
        "approvals",
        "enrolling",
        "follow_up",
        "analysis",
        "published",
        "closed",
    ]


def test_study_shows_its_title_in_the_reader_language(research_world):
    from django.utils import translation

    study = research_world.study
    with translation.override("zh-hans"):
        assert study.display_title == "儿童新型冠状病毒肺炎多中心研究"
        assert study.other_title == "Multicentre study of COVID-19 in children"
    with translation.override("en"):
        assert str(study) == "PEDCOV — Multicentre study of COVID-19 in children"
    assert study.get_absolute_url() == f"/research/{study.pk}/"


def test_acronym_is_unique_but_may_be_left_empty(research_world):
    w = research_world
    extra = Study(
        title="Another",
        design="other",
        lead_institution=w.home,
        principal_investigator=w.pi_person,
        acronym="PEDCOV",
    )
    with pytest.raises(ValidationError) as error:
        extra.full_clean()
    assert error.value.messages == ["Another study already has this acronym."]
    extra.acronym = ""
    extra.full_clean()
    extra.save()
    assert Study.objects.filter(acronym="").count() == 2  # the other study has none either


def test_a_study_cannot_end_before_it_starts(research_world):
    study = research_world.study
    study.end_on = date(2020, 1, 1)
    with pytest.raises(ValidationError) as error:
        study.full_clean()
    assert error.value.message_dict["end_on"] == ["A study cannot end before it starts."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.filter(pk=study.pk).update(end_on=date(2019, 12, 31))


@pytest.mark.parametrize(
    "registry, typed, stored",
    [
        ("clinicaltrials_gov", " nct04280705 ", "NCT04280705"),
        ("chictr", "ChiCTR2000029308", "ChiCTR2000029308"),
        ("chictr", "chictr-ior-17013245", "ChiCTR-IOR-17013245"),
        ("isrctn", "ISRCTN12345678", "ISRCTN12345678"),
    ],
)
def test_registry_identifier_is_stored_in_its_normal_spelling(
    research_world, registry, typed, stored
):
    rid = RegistryId(study=research_world.study, registry=registry, identifier=typed)
    rid.full_clean()
    assert rid.identifier == stored


def test_registry_identifier_of_the_wrong_format_is_refused(research_world):
    rid = RegistryId(study=research_world.study, registry="clinicaltrials_gov", identifier="NCT123")
    with pytest.raises(ValidationError) as error:
        rid.full_clean()
    assert error.value.message_dict["identifier"] == [
        "A ClinicalTrials.gov identifier is NCT followed by 8 digits, e.g. NCT04280705."
    ]


def test_an_institution_is_a_site_of_a_study_once(research_world):
    w = research_world
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(study=w.study, institution=w.partner)
    assert w.study.sites.count() == 3


def test_approval_state_follows_its_dates(research_world):
    approval = EthicsApproval(
        site=research_world.partner_site,
        committee="IRB",
        reference="5200123",
        approved_on=date(2025, 1, 1),
        expires_on=date(2026, 3, 1),
    )
    assert approval.state(date(2025, 12, 1)) == ApprovalState.VALID
    assert approval.state(date(2026, 1, 15)) == ApprovalState.EXPIRING
    assert approval.state(date(2026, 3, 1)) == ApprovalState.EXPIRING
    assert approval.state(date(2026, 3, 2)) == ApprovalState.EXPIRED
    approval.expires_on = None
    assert approval.state(date(2040, 1, 1)) == ApprovalState.VALID


def test_an_approval_must_expire_after_it_was_given(research_world):
    approval = EthicsApproval(
        site=research_world.partner_site,
        committee="IRB",
        reference="1",
        approved_on=date(2025, 1, 1),
        expires_on=date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        approval.full_clean()
    assert error.value.message_dict["expires_on"] == ["An approval must expire after it was given."]


def test_the_latest_approval_of_each_site_is_the_one_in_force(research_world):
    w = research_world
    old = EthicsApproval.objects.create(
        site=w.partner_site, committee="IRB", reference="A", approved_on=date(2020, 3, 1)
    )
    renewal = EthicsApproval.objects.create(
        site=w.partner_site, committee="IRB", reference="A", approved_on=date(2021, 3, 1)
    )
    home = EthicsApproval.objects.create(
        site=w.home_site, committee="ZCH EC", reference="2020-IRB-051", approved_on=date(2020, 2, 1)
    )
    assert set(EthicsApproval.objects.current()) == {renewal, home}
    assert old not in EthicsApproval.objects.current()


def test_enrolment_is_one_count_per_site_and_month(research_world):
    site = research_world.partner_site
    Enrolment.objects.create(site=site, month=date(2020, 4, 1), count=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(site=site, month=date(2020, 4, 1), count=5)
    entry = Enrolment(site=site, month=date(2020, 5, 17), count=2)
    entry.full_clean()
    assert entry.month == date(2020, 5, 1)


def test_publication_doi_is_normalised_and_listed_once_per_study(research_world):
    study = research_world.study
    paper = Publication(
        study=study,
        title="Diagnosis and treatment recommendations for pediatric COVID-19",
        authors="Chen ZM; Fu JF; Shu Q",
        journal="World J Pediatr",
        year=2020,
        doi="https://doi.org/10.1007/S12519-020-00345-5",
    )
    paper.full_clean()
    paper.save()
    assert paper.doi == "10.1007/s12519-020-00345-5"
    again = Publication(study=study, title="Same", authors="X", year=2020, doi=paper.doi)
    with pytest.raises(ValidationError) as error:
        again.full_clean()
    assert error.value.messages == ["This paper is already listed for the study."]
    wrong = Publication(study=study, title="Wrong", authors="X", year=2020, doi="10.12/x y")
    with pytest.raises(ValidationError) as error:
        wrong.full_clean()
    assert "A DOI starts with 10." in error.value.message_dict["doi"][0]


def test_no_field_invites_patient_details(db):
    """Every free-text field of a study says it takes no patient details; enrolment holds
    a count and nothing else."""
    for name in ("summary", "summary_local"):
        assert "No patient details" in str(Study._meta.get_field(name).help_text)
    stored = {f.name for f in Enrolment._meta.concrete_fields}
    assert stored == {"id", "site", "month", "count", "entered_by", "entered_at"}
