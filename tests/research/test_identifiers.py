"""Registry identifiers and DOIs: the formats each registry uses are accepted and stored in
one spelling; anything else is refused with a message that shows the expected form."""

import pytest
from django.core.exceptions import ValidationError

from amity.research.identifiers import (
    guess_registry,
    registry_url,
    validate_doi,
    validate_registry_id,
)


@pytest.mark.parametrize(
    ("registry", "typed", "stored"),
    [
        ("clinicaltrials_gov", "NCT04280705", "NCT04280705"),
        ("clinicaltrials_gov", " nct04280705 ", "NCT04280705"),
        (
            "clinicaltrials_gov",
            "https://clinicaltrials.gov/study/NCT04280705?tab=history",
            "NCT04280705",
        ),
        ("clinicaltrials_gov", "https://clinicaltrials.gov/ct2/show/NCT04280705/", "NCT04280705"),
        ("chictr", "ChiCTR2000029308", "ChiCTR2000029308"),
        ("chictr", "chictr2000029308", "ChiCTR2000029308"),
        ("chictr", "ChiCTR-IOR-17013245", "ChiCTR-IOR-17013245"),
        ("chictr", "chictr-trc-12002345", "ChiCTR-TRC-12002345"),
        ("chictr", "ChiCTR-ONRC-14004578", "ChiCTR-ONRC-14004578"),
        ("isrctn", "ISRCTN12345678", "ISRCTN12345678"),
        ("isrctn", "isrctn 12345678", "ISRCTN12345678"),
        ("other", "  UMIN000040123  ", "UMIN000040123"),
        ("other", "DRKS00021231", "DRKS00021231"),
    ],
)
def test_registry_identifiers_are_accepted_and_normalised(registry, typed, stored):
    assert validate_registry_id(registry, typed) == stored


@pytest.mark.parametrize(
    ("registry", "typed", "message"),
    [
        (
            "clinicaltrials_gov",
            "NCT0428070",
            "A ClinicalTrials.gov identifier is NCT followed by 8 digits, e.g. NCT04280705.",
        ),
        (
            "clinicaltrials_gov",
            "NCT042807055",
            "A ClinicalTrials.gov identifier is NCT followed by 8 digits, e.g. NCT04280705.",
        ),
        (
            "clinicaltrials_gov",
            "ChiCTR2000029308",
            "A ClinicalTrials.gov identifier is NCT followed by 8 digits, e.g. NCT04280705.",
        ),
        (
            "chictr",
            "ChiCTR200002930",
            "A ChiCTR identifier is ChiCTR followed by 10 digits, e.g. ChiCTR2000029308, "
            "or the older form ChiCTR-IOR-17013245.",
        ),
        (
            "chictr",
            "ChiCTR-I-17013245",
            "A ChiCTR identifier is ChiCTR followed by 10 digits, e.g. ChiCTR2000029308, "
            "or the older form ChiCTR-IOR-17013245.",
        ),
        (
            "isrctn",
            "ISRCTN1234567",
            "An ISRCTN identifier is ISRCTN followed by 8 digits, e.g. ISRCTN12345678.",
        ),
        ("clinicaltrials_gov", "   ", "Enter the registry identifier."),
        ("other", "x" * 101, "An identifier has at most 100 printable characters."),
        ("other", "UMIN\n000040123", "An identifier has at most 100 printable characters."),
        ("pubmed", "32125452", "Unknown registry “pubmed”."),
    ],
)
def test_registry_identifiers_in_another_form_are_refused_with_the_expected_form(
    registry, typed, message
):
    with pytest.raises(ValidationError) as refused:
        validate_registry_id(registry, typed)
    assert refused.value.messages == [message]


def test_the_registry_of_an_identifier_is_recognised():
    assert [
        guess_registry(value)
        for value in ("nct04280705", "ChiCTR-IOR-17013245", "ISRCTN12345678", "UMIN000040123")
    ] == ["clinicaltrials_gov", "chictr", "isrctn", "other"]


def test_each_registry_has_its_public_page():
    assert registry_url("clinicaltrials_gov", "NCT04280705") == (
        "https://clinicaltrials.gov/study/NCT04280705"
    )
    assert registry_url("isrctn", "ISRCTN12345678") == "https://www.isrctn.com/ISRCTN12345678"
    assert "ChiCTR2000029308" in registry_url("chictr", "ChiCTR2000029308")
    assert registry_url("other", "UMIN000040123") == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.1007/s12519-020-00343-7", "10.1007/s12519-020-00343-7"),
        ("10.1016/S0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
        ("https://doi.org/10.1056/NEJMoa2002032", "10.1056/nejmoa2002032"),
        ("http://dx.doi.org/10.1056/NEJMoa2002032", "10.1056/nejmoa2002032"),
        ("doi:10.1056/NEJMoa2002032", "10.1056/nejmoa2002032"),
        ("  DOI: 10.1056/NEJMoa2002032 ", "10.1056/nejmoa2002032"),
        ("10.123456789/abc", "10.123456789/abc"),
    ],
)
def test_dois_are_stored_in_lower_case_without_a_resolver(typed, stored):
    assert validate_doi(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "10.123/abc",  # registrant code shorter than 4 digits
        "10.1234567890/abc",  # longer than 9
        "11.1007/s12519",
        "10.1007/",
        "10.1007/s12519 020",
        "https://example.org/10.1007/s12519-020-00343-7",
        "s12519-020-00343-7",
    ],
)
def test_anything_else_is_not_a_doi(typed):
    with pytest.raises(ValidationError) as refused:
        validate_doi(typed)
    assert refused.value.code == "invalid_doi"
    assert refused.value.messages == [
        "A DOI starts with 10., a registrant number and a slash, "
        "e.g. 10.1016/S0140-6736(20)30183-5."
    ]
