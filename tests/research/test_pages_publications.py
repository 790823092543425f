"""A study's publications: the study team adds, edits and removes papers; a DOI is checked
by format and stored without its resolver; the list downloads as BibTeX, RIS and CSL-JSON
for whoever may read the study, and for no one else."""

import html
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from amity.research import services
from amity.research.models import Publication
from tests.research import world

research_world = world.research_world

pytestmark = pytest.mark.django_db

PAPER = {
    "title": "Diagnosis, treatment, and prevention of 2019 novel coronavirus infection in children",
    "authors": "Chen ZM; Fu JF; Shu Q",
    "journal": "World J Pediatr",
    "year": "2020",
    "volume": "16",
    "issue": "3",
    "pages": "240-246",
    "doi": "https://doi.org/10.1007/S12519-020-00345-5",
}


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_study_team_adds_a_paper_with_a_normalised_doi(research_world, login):
    w = research_world
    response = login(w.pi).post(
        reverse("research:publication_add", args=[w.study.pk]), PAPER, follow=True
    )
    pub = Publication.objects.get()
    assert pub.doi == "10.1007/s12519-020-00345-5"
    text = _text(response)
    assert f"“{PAPER['title']}” was added to the study's publications." in text
    assert "Chen ZM; Fu JF; Shu Q" in text and "World J Pediatr" in text
    assert 'href="https://doi.org/10.1007/s12519-020-00345-5"' in response.content.decode()
    for label in ("BibTeX", "RIS", "CSL-JSON"):
        assert label in text


def test_a_bad_doi_and_a_year_far_ahead_are_refused(research_world, login):
    w = research_world
    url = reverse("research:publication_add", args=[w.study.pk])
    text = _text(login(w.office).post(url, {**PAPER, "doi": "doi 10/abc", "year": "3020"}))
    assert "10." in text and "DOI" in text
    assert "Enter the year of publication, such as" in text
    assert not Publication.objects.exists()


def test_a_paper_is_edited_and_removed_after_confirming(research_world, login):
    w = research_world
    pub = services.publication_add(by=w.office, study=w.study, **{**PAPER, "year": 2020})
    client = login(w.office)
    client.post(reverse("research:publication_edit", args=[pub.pk]), {**PAPER, "pages": "240-247"})
    pub.refresh_from_db()
    assert pub.pages == "240-247"
    url = reverse("research:publication_remove", args=[pub.pk])
    assert "Remove “Diagnosis" in _text(client.get(url))
    assert Publication.objects.exists()
    response = client.post(url, {"confirm": "1"}, follow=True)
    assert "was removed from the publications" in _text(response)
    assert not Publication.objects.exists()


def test_publications_download_for_reference_managers(research_world, login):
    w = research_world
    services.publication_add(by=w.office, study=w.study, **{**PAPER, "year": 2020})
    client = login(w.partner_contact)

    bib = client.get(reverse("research:publications_export", args=[w.study.pk, "bibtex"]))
    ris = client.get(reverse("research:publications_export", args=[w.study.pk, "ris"]))
    csl = client.get(reverse("research:publications_export", args=[w.study.pk, "csl-json"]))

    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert 'filename="PEDCOV-publications.bib"' in bib["Content-Disposition"]
    assert "doi = {10.1007/s12519-020-00345-5}" in bib.content.decode()
    assert "TY  - JOUR" in ris.content.decode()
    items = json.loads(csl.content)
    assert [item["DOI"] for item in items] == ["10.1007/s12519-020-00345-5"]
    assert [a["family"] for a in items[0]["author"]] == ["Chen", "Fu", "Shu"]


def test_publications_of_a_study_one_may_not_see_are_not_found(research_world, login):
    w = research_world
    pub = services.publication_add(by=w.office, study=w.other_study, **{**PAPER, "year": 2020})
    client = login(w.partner_contact)
    assert (
        client.get(
            reverse("research:publications_export", args=[w.other_study.pk, "bibtex"])
        ).status_code
        == 404
    )
    assert client.get(reverse("research:publication_edit", args=[pub.pk])).status_code == 404
    own = reverse("research:publication_add", args=[w.study.pk])
    assert client.get(own).status_code == 403
    assert login(w.staff).post(own, PAPER).status_code == 403
    assert Publication.objects.count() == 1


def test_tables_download_from_the_overview_and_the_study_page(research_world, login):
    w = research_world
    services.enrolment_enter(by=w.office, site=w.home_site, month=date(2020, 3, 1), count=12)
    services.enrolment_enter(
        by=w.partner_contact, site=w.partner_site, month=date(2020, 3, 1), count=5
    )
    staff = login(w.staff)
    overview = staff.get(reverse("research:overview")).content.decode()
    assert 'href="/research/export/sites.csv"' in overview
    study_page = staff.get(w.study.get_absolute_url()).content.decode()
    study_sites = reverse("research:study_export", args=[w.study.pk, "sites", "xlsx"])
    assert f'href="{study_sites}"' in study_page

    all_sites = staff.get(reverse("research:export", args=["sites", "csv"])).content.decode()
    assert "Loma Linda University" in all_sites and "Shanghai Children" in all_sites
    partner = login(w.partner_contact)
    own = partner.get(reverse("research:export", args=["sites", "csv"])).content.decode()
    assert "Loma Linda University" in own
    assert "Shanghai Children" not in own and "Ospedale" not in own
    assert (
        partner.get(
            reverse("research:study_export", args=[w.other_study.pk, "sites", "csv"])
        ).status_code
        == 404
    )
