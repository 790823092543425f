"""Joint research in the JSON API, as a client reads it: studies, sites, approvals,
enrolment and publications; who sees what (a partner contact only their own site, by any
address); refusals (422) that say why and write nothing; and the OpenAPI document."""

import calendar
import json
import math
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amity.research import services
from amity.research.enrolment import add_months
from amity.research.models import Enrolment, Publication, RegistryId

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _get(user, url, params=None):
    return _client(user).get(f"/api/v1/{url}", params or {})


def _send(user, method, url, body):
    return getattr(_client(user), method)(
        f"/api/v1/{url}", json.dumps(body), content_type="application/json"
    )


def _this_month() -> date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def enrolled(research_world):
    """Three months of counts at each site: home 10/month, domestic 5, partner 2."""
    w = research_world
    first = add_months(_this_month(), -3)
    for site, count in ((w.home_site, 10), (w.domestic_site, 5), (w.partner_site, 2)):
        for n in range(3):
            services.enrolment_enter(
                by=w.office, site=site, month=add_months(first, n), count=count
            )
    services.approval_record(
        by=w.office,
        site=w.domestic_site,
        committee="SCMC Ethics Committee",
        reference="SCMC-2020-17",
        approved_on=date(2020, 3, 1),
    )
    services.approval_record(
        by=w.office,
        site=w.partner_site,
        committee="LLU Institutional Review Board",
        reference="IRB-5200101",
        approved_on=date(2020, 3, 10),
    )
    return w


# --- the OpenAPI document ------------------------------------------------------------------


def test_openapi_document_lists_the_studies_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/studies": {"get"},
        "/api/v1/studies/{study_id}": {"get"},
        "/api/v1/studies/{study_id}/registry-ids": {"post"},
        "/api/v1/studies/{study_id}/sites": {"get"},
        "/api/v1/studies/{study_id}/sites/{site_id}": {"get"},
        "/api/v1/studies/{study_id}/sites/{site_id}/approvals": {"get"},
        "/api/v1/studies/{study_id}/enrolment": {"get"},
        "/api/v1/studies/{study_id}/sites/{site_id}/enrolment": {"get"},
        "/api/v1/studies/{study_id}/sites/{site_id}/enrolment/{month}": {"put"},
        "/api/v1/studies/{study_id}/publications": {"get", "post"},
        "/api/v1/studies/{study_id}/publications/export": {"get"},
        "/api/v1/studies/export/{table}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    put = paths["/api/v1/studies/{study_id}/sites/{site_id}/enrolment/{month}"]["put"]
    assert "422" in put["responses"]
    exported = paths["/api/v1/studies/{study_id}/publications/export"]["get"]["responses"]["200"]
    assert "application/x-bibtex" in " ".join(exported["content"])


# --- reading, per role ---------------------------------------------------------------------


def test_office_lists_every_study_with_the_whole_studys_enrolment(enrolled):
    w = enrolled
    body = _get(w.office, "studies").json()
    by_acronym = {item["title"]: item for item in body["items"]}
    assert body["count"] == 2
    pedcov = by_acronym["Multicentre study of COVID-19 in children"]
    assert (pedcov["acronym"], pedcov["sites"], pedcov["enrolled"], pedcov["target"]) == (
        "PEDCOV",
        3,
        3 * (10 + 5 + 2),
        300,
    )
    assert pedcov["lead_institution"]["id"] == w.home.pk
    assert pedcov["url"].endswith(f"/research/{w.study.pk}/")


def test_partner_contact_lists_only_their_studies_with_their_own_sites_figures(enrolled):
    w = enrolled
    body = _get(w.partner_contact, "studies").json()
    assert [item["acronym"] for item in body["items"]] == ["PEDCOV"]
    only = body["items"][0]
    # Their own site: 3 months x 2, against the site's target of 50 — not the study's 300.
    assert (only["sites"], only["enrolled"], only["target"]) == (1, 6, 50)


def test_partner_contact_sees_only_their_own_site_approval_and_enrolment(enrolled):
    w = enrolled
    study = w.study.pk
    sites = _get(w.partner_contact, f"studies/{study}/sites").json()
    assert [site["institution"]["name"] for site in sites] == ["Loma Linda University"]
    assert sites[0]["approval"]["reference"] == "IRB-5200101"
    assert sites[0]["enrolled"] == 6

    enrolment = _get(w.partner_contact, f"studies/{study}/enrolment").json()
    assert [s["site"] for s in enrolment["sites"]] == [w.partner_site.pk]
    assert [m["cumulative"] for m in enrolment["sites"][0]["months"]] == [2, 4, 6]
    assert (enrolment["enrolled"], enrolment["target"], enrolment["projected_completion"]) == (
        None,
        None,
        None,
    )
    # The study's totals are nowhere in what they read.
    assert "51" not in json.dumps(enrolment)


def test_office_sees_every_site_and_the_studys_projection(enrolled):
    w = enrolled
    enrolment = _get(w.office, f"studies/{w.study.pk}/enrolment").json()
    assert sorted(s["site"] for s in enrolment["sites"]) == sorted(
        [w.home_site.pk, w.domestic_site.pk, w.partner_site.pk]
    )
    assert (enrolment["enrolled"], enrolment["target"]) == (51, 300)
    # 17 a month for 3 months (rate over the months there are): 249 to go = 14.65 months
    # after the end of last month.
    last = add_months(_this_month(), -1)
    assert enrolment["projected_completion"] == str(_expected_projection(last, 249, 17))


def _expected_projection(last_month: date, remaining: int, rate: int) -> date:
    """By hand: whole months, then the fraction of the next month in days (rounded up)."""
    months = remaining / rate
    whole = math.floor(months)
    month = add_months(last_month, 1 + whole)
    days = math.ceil((months - whole) * calendar.monthrange(month.year, month.month)[1])
    return month + timedelta(days=days - 1)


@pytest.mark.parametrize(
    "address",
    [
        "studies/{study}/sites/{domestic}",
        "studies/{study}/sites/{domestic}/approvals",
        "studies/{study}/sites/{domestic}/enrolment",
        "studies/{study}/sites/{home}",
        "studies/{other_study}",
        "studies/{other_study}/sites",
        "studies/{other_study}/publications",
    ],
)
def test_partner_contact_guessing_another_sites_address_finds_nothing(enrolled, address):
    w = enrolled
    url = address.format(
        study=w.study.pk,
        domestic=w.domestic_site.pk,
        home=w.home_site.pk,
        other_study=w.other_study.pk,
    )
    response = _get(w.partner_contact, url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_site_reached_through_another_study_is_not_found(enrolled):
    w = enrolled
    response = _get(w.office, f"studies/{w.other_study.pk}/sites/{w.partner_site.pk}")
    assert response.status_code == 404


def test_anonymous_caller_reads_no_study(enrolled):
    response = _get(None, "studies")
    assert response.status_code == 401
    assert "PEDCOV" not in response.content.decode()


# --- entering enrolment --------------------------------------------------------------------


def test_partner_contact_enters_their_own_sites_month(enrolled):
    w = enrolled
    month = _this_month()
    url = f"studies/{w.study.pk}/sites/{w.partner_site.pk}/enrolment/{month:%Y-%m}"
    response = _send(w.partner_contact, "put", url, {"count": 4})
    assert response.status_code == 200
    assert response.json() == {
        "site": w.partner_site.pk,
        "month": f"{month:%Y-%m}",
        "count": 4,
        "site_enrolled": 10,
    }
    assert Enrolment.objects.get(site=w.partner_site, month=month).entered_by == w.partner_contact
    # Entered again: replaced, not added.
    _send(w.partner_contact, "put", url, {"count": 3})
    assert Enrolment.objects.get(site=w.partner_site, month=month).count == 3


def test_partner_contact_cannot_enter_another_sites_month(enrolled):
    w = enrolled
    month = _this_month()
    url = f"studies/{w.study.pk}/sites/{w.domestic_site.pk}/enrolment/{month:%Y-%m}"
    response = _send(w.partner_contact, "put", url, {"count": 99})
    assert response.status_code == 404
    assert not Enrolment.objects.filter(site=w.domestic_site, month=month).exists()


def test_staff_outside_the_study_team_may_not_enter_enrolment(enrolled):
    w = enrolled
    url = f"studies/{w.study.pk}/sites/{w.home_site.pk}/enrolment/{_this_month():%Y-%m}"
    response = _send(w.staff, "put", url, {"count": 7})
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not enter enrolment for this site."
    assert not Enrolment.objects.filter(site=w.home_site, month=_this_month()).exists()


@pytest.mark.parametrize(
    ("month", "count", "field", "says"),
    [
        ("2026-13", 3, "month", "YYYY-MM"),
        ("March", 3, "month", "YYYY-MM"),
        ("next", 3, "month", "months that have begun"),
        ("this", -1, "count", "greater than or equal to 0"),
    ],
)
def test_bad_enrolment_is_refused_with_a_reason(enrolled, month, count, field, says):
    w = enrolled
    if month == "next":
        month = f"{add_months(_this_month(), 1):%Y-%m}"
    elif month == "this":
        month = f"{_this_month():%Y-%m}"
    before = Enrolment.objects.count()
    url = f"studies/{w.study.pk}/sites/{w.home_site.pk}/enrolment/{month}"
    response = _send(w.office, "put", url, {"count": count})
    assert response.status_code == 422
    body = response.json()
    assert field in body["errors"]
    assert says in body["detail"]
    assert Enrolment.objects.count() == before


# --- identifiers and publications ----------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "identifier", "says"),
    [
        ("clinicaltrials_gov", "NCT1234", "NCT followed by 8 digits"),
        ("chictr", "ChiCTR20-0029308", "ChiCTR followed by 10 digits"),
        ("isrctn", "ISRCTN1234567X", "ISRCTN followed by 8 digits"),
    ],
)
def test_a_registry_identifier_in_the_wrong_format_is_a_422(
    research_world, registry, identifier, says
):
    w = research_world
    response = _send(
        w.office,
        "post",
        f"studies/{w.study.pk}/registry-ids",
        {"registry": registry, "identifier": identifier},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"]["identifier"]
    assert body["detail"].startswith("identifier: ")
    assert says in body["detail"]
    assert not RegistryId.objects.exists()


def test_a_registry_identifier_is_stored_in_its_normal_spelling(research_world):
    w = research_world
    response = _send(
        w.office,
        "post",
        f"studies/{w.study.pk}/registry-ids",
        {"registry": "clinicaltrials_gov", "identifier": " nct04280705 "},
    )
    assert response.status_code == 201
    assert response.json() == {
        "registry": "clinicaltrials_gov",
        "identifier": "NCT04280705",
        "url": "https://clinicaltrials.gov/study/NCT04280705",
    }
    detail = _get(w.partner_contact, f"studies/{w.study.pk}").json()
    assert [r["identifier"] for r in detail["registry_ids"]] == ["NCT04280705"]


def test_an_unknown_registry_is_a_422(research_world):
    w = research_world
    response = _send(
        w.office,
        "post",
        f"studies/{w.study.pk}/registry-ids",
        {"registry": "pubmed", "identifier": "123"},
    )
    assert response.status_code == 422
    assert "registry" in response.json()["errors"]


PAPER = {
    "title": "Diagnosis, treatment, and prevention of 2019 novel coronavirus infection in "
    "children: experts' consensus statement",
    "authors": "Chen ZM; Fu JF; Shu Q; 傅君芬",
    "journal": "World J Pediatr",
    "year": 2020,
    "volume": "16",
    "issue": "3",
    "pages": "240-246",
}


def test_a_publication_with_a_bad_doi_is_a_422(research_world):
    w = research_world
    response = _send(
        w.office, "post", f"studies/{w.study.pk}/publications", {**PAPER, "doi": "10.10/abc"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["doi"] == [
        "A DOI starts with 10., a registrant number and a slash, e.g. "
        "10.1016/S0140-6736(20)30183-5."
    ]
    assert not Publication.objects.exists()


def test_a_publication_doi_is_normalised_and_listed_once(research_world):
    w = research_world
    url = f"studies/{w.study.pk}/publications"
    body = {**PAPER, "doi": "https://doi.org/10.1007/S12519-020-00345-5"}
    response = _send(w.office, "post", url, body)
    assert response.status_code == 201
    created = response.json()
    assert created["doi"] == "10.1007/s12519-020-00345-5"
    assert created["doi_url"] == "https://doi.org/10.1007/s12519-020-00345-5"
    assert created["authors"] == "Chen ZM; Fu JF; Shu Q; 傅君芬"
    again = _send(w.office, "post", url, {**body, "doi": "doi:10.1007/s12519-020-00345-5"})
    assert again.status_code == 422
    assert "already listed" in again.json()["detail"]
    listed = _get(w.partner_contact, url).json()
    assert [p["doi"] for p in listed] == ["10.1007/s12519-020-00345-5"]


def test_staff_outside_the_team_may_not_add_a_publication(research_world):
    w = research_world
    response = _send(w.staff, "post", f"studies/{w.study.pk}/publications", PAPER)
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_partner_contact_may_not_add_a_publication(research_world):
    w = research_world
    response = _send(w.partner_contact, "post", f"studies/{w.study.pk}/publications", PAPER)
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_publications_export_as_bibtex_through_the_api(research_world):
    w = research_world
    services.publication_add(by=w.office, study=w.study, **PAPER, doi="10.1007/s12519-020-00345-5")
    response = _get(
        w.partner_contact, f"studies/{w.study.pk}/publications/export", {"format": "bibtex"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert "PEDCOV-publications.bib" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("@article{Chen2020Diagnosis,")
    assert "{傅君芬}" in text
    assert (
        _get(w.office, f"studies/{w.study.pk}/publications/export", {"format": "doc"}).status_code
        == 404
    )


def test_partner_contact_exports_only_their_own_site(enrolled):
    w = enrolled
    response = _get(w.partner_contact, "studies/export/sites", {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "Loma Linda University" in text
    assert "Shanghai Children's Medical Center" not in text
    assert "Ospedale dei Bambini" not in text


def test_the_list_of_studies_takes_the_same_queries_for_more_studies(enrolled):
    w = enrolled
    client = _client(w.office)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/studies").status_code == 200
        return len(captured)

    queries()  # the first request also reads what is cached afterwards
    before = queries()
    for n in range(3):
        study = services.study_create(
            by=w.office,
            title=f"Extra study {n}",
            design="registry",
            lead_institution=w.home,
            principal_investigator=w.pi_person,
        )
        site = services.site_add(by=w.office, study=study, institution=w.partner, target=10)
        services.enrolment_enter(by=w.office, site=site, month=_this_month(), count=n + 1)
        services.registry_id_add(
            by=w.office, study=study, registry="isrctn", identifier=f"ISRCTN1234567{n}"
        )
    assert queries() == before
    assert _get(w.office, "studies").json()["count"] == 5
