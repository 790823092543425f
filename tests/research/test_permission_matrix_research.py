"""Every role × every research page and endpoint, and figure 2 of issue #14: the
site-isolation sweep.

The matrix: a study led by the home hospital with three sites — the home hospital, the
partner contact's own institution (Loma Linda) and another partner (Great Ormond Street) —
and a second study the partner takes no part in. Home staff read everything and office
staff change it; a partner contact sees the study, only their own site, and enters only
their own site's enrolment; another site's page "does not exist" for them, however the
address is reached.

The sweep (figure 2): the demo loaded, the partner contact (login ``partner``, Loma Linda)
requests every address of research there is — each page of the URL configuration and each
``studies/…`` endpoint of the OpenAPI document, for every study, site, approval,
publication and month of enrolment of the demo — and gets only their own: the count of
answered addresses equals the count of addresses of their own study and site, nothing of
another site appears in any answer, and posting enrolment to every site writes only to
theirs.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from amity.accounts.models import ApiToken, User
from amity.accounts.services import api_token_create
from amity.research import services
from amity.research.forms import EnrolmentForm
from amity.research.models import (
    Enrolment,
    EthicsApproval,
    Publication,
    RegistryId,
    Site,
    Study,
    StudyMember,
)
from amity.research.urls import urlpatterns
from tests.matrix import (
    FORBIDDEN,
    HOME_STAFF,
    LOGIN,
    MISSING,
    OK,
    ROLES,
    assert_page,
    cells,
    everyone,
    only,
)

THIS_MONTH = timezone.localdate().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
MONTH_FIELD = EnrolmentForm.field_name(THIS_MONTH)


@dataclass
class Research:
    study: Study
    other_study: Study
    home_site: Site
    partner_site: Site
    other_site: Site
    approval: EthicsApproval
    other_approval: EthicsApproval
    publication: Publication


@pytest.fixture
def research(world) -> Research:
    office = world.office
    study = services.study_create(
        by=office,
        title="Multicentre cohort of children with COVID-19",
        acronym="PEDCOV",
        design="observational",
        lead_institution=world.home,
        principal_investigator=world.cardiology_colleague,
        target_enrolment=300,
    )
    other_study = services.study_create(
        by=office,
        title="Neonatal nursing family-centred care study",
        acronym="NEOFAM",
        design="interventional",
        lead_institution=world.home,
        principal_investigator=world.rehab_colleague,
    )
    home_site = services.site_add(by=office, study=study, institution=world.home, target=150)
    partner_site = services.site_add(
        by=office,
        study=study,
        institution=world.partner,
        coordinator=world.partner_contact.person,
        target=80,
    )
    other_site = services.site_add(
        by=office, study=study, institution=world.other_partner, target=70
    )
    services.site_add(by=office, study=other_study, institution=world.other_partner)
    approval = services.approval_record(
        by=office,
        site=partner_site,
        committee="Loma Linda University IRB",
        reference="LLU-5200123",
        approved_on=date(2024, 5, 1),
    )
    other_approval = services.approval_record(
        by=office,
        site=other_site,
        committee="London Bloomsbury REC",
        reference="GOSH-24-LO-0317",
        approved_on=date(2024, 6, 1),
    )
    for site, count in ((home_site, 41), (partner_site, 3), (other_site, 17)):
        services.enrolment_enter(by=office, site=site, month=LAST_MONTH, count=count)
    publication = services.publication_add(
        by=office,
        study=study,
        title="Early findings of the PEDCOV cohort",
        authors="Shen J; Carter E",
        journal="Amity Demo Journal of Paediatrics",
        year=2025,
        doi="10.5555/pedcov.2025.1",
    )
    return Research(
        study=study,
        other_study=other_study,
        home_site=home_site,
        partner_site=partner_site,
        other_site=other_site,
        approval=approval,
        other_approval=other_approval,
        publication=publication,
    )


def _url(name, attr=None, suffix=""):
    return lambda r: (
        reverse(f"research:{name}", args=[getattr(r, attr).pk] if attr else []) + (suffix)
    )


OFFICE_ONLY = only("office")  # a partner contact who sees the study may not change it
OFFICE_ONLY_HIDDEN = only("office", partner=MISSING)  # … and of what they cannot see
STUDY_CREATORS = only("office", "coordinator", partner=MISSING)
HOME_READS = only(*HOME_STAFF, partner=MISSING)

# (page, URL from the research world, the page's own text, outcomes)
PAGES = [
    ("overview", _url("overview"), "PEDCOV", everyone()),
    ("study", _url("study_detail", "study"), "Multicentre cohort of children", everyone()),
    ("other study", _url("study_detail", "other_study"), "Neonatal nursing family", HOME_READS),
    ("add a study", _url("study_create"), "Add a study", STUDY_CREATORS),
    ("edit the study", _url("study_edit", "study"), "Edit study", OFFICE_ONLY),
    ("edit other study", _url("study_edit", "other_study"), "Edit study", OFFICE_ONLY_HIDDEN),
    ("team", _url("member_add", "study"), "Add to the study team", OFFICE_ONLY),
    ("registry", _url("registry_add", "study"), "Add a registry identifier", OFFICE_ONLY),
    ("add a site", _url("site_add", "study"), "Add a site", OFFICE_ONLY),
    ("add a site elsewhere", _url("site_add", "other_study"), "Add a site", OFFICE_ONLY_HIDDEN),
    ("edit own site", _url("site_edit", "partner_site"), "Edit site", OFFICE_ONLY),
    ("edit another site", _url("site_edit", "other_site"), "Edit site", OFFICE_ONLY_HIDDEN),
    ("edit home site", _url("site_edit", "home_site"), "Edit site", OFFICE_ONLY_HIDDEN),
    (
        "approval at own site",
        _url("approval_add", "partner_site"),
        "Record an ethics approval",
        OFFICE_ONLY,
    ),
    (
        "approval at another site",
        _url("approval_add", "other_site"),
        "Record an ethics approval",
        OFFICE_ONLY_HIDDEN,
    ),
    (
        "enrolment of own site",
        _url("enrolment", "partner_site"),
        "Enrolment at Loma Linda University",
        only("office", "partner"),
    ),
    (
        "enrolment of another site",
        _url("enrolment", "other_site"),
        "Enrolment at Great Ormond Street Hospital",
        OFFICE_ONLY_HIDDEN,
    ),
    ("add a paper", _url("publication_add", "study"), "Add a publication", OFFICE_ONLY),
    ("edit a paper", _url("publication_edit", "publication"), "Edit publication", OFFICE_ONLY),
    (
        "papers as BibTeX",
        lambda r: reverse("research:publications_export", args=[r.study.pk, "bibtex"]),
        "10.5555/pedcov.2025.1",
        everyone(),
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_page_shows_each_role_what_it_may_see(world, research, login, url, text, role, outcome):
    client = login(world.user(role))
    target = url(research)
    assert_page(client.get(target), url=target, text=text, outcome=outcome)


@pytest.mark.parametrize("role", ROLES)
def test_the_study_page_shows_a_partner_contact_only_their_own_site(world, research, login, role):
    client = login(world.user(role))
    url = research.study.get_absolute_url()
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        return
    body = response.content.decode()
    assert "LLU-5200123" in body  # own site's approval
    if role == "partner":
        assert "GOSH-24-LO-0317" not in body
        assert "Great Ormond Street Hospital" not in body
        assert f'id="site-{research.home_site.pk}"' not in body
    else:
        assert "GOSH-24-LO-0317" in body
        assert "Great Ormond Street Hospital" in body


@pytest.mark.parametrize("role", ROLES)
def test_only_the_site_own_contact_and_office_enter_its_enrolment(world, research, login, role):
    client = login(world.user(role))
    for site in (research.partner_site, research.other_site):
        client.post(reverse("research:enrolment", args=[site.pk]), {MONTH_FIELD: "9"})
    entered = dict(
        Enrolment.objects.filter(month=THIS_MONTH).values_list("site__institution__name", "count")
    )
    expected = {
        "office": {"Loma Linda University": 9, "Great Ormond Street Hospital": 9},
        "partner": {"Loma Linda University": 9},
    }
    if role in expected and not entered:
        pytest.fail(f"{role} could not enter enrolment: the form's field names changed?")
    assert entered == expected.get(role, {})


# --- the API -------------------------------------------------------------------------------


def _ids(items) -> set[int]:
    return {item["id"] for item in items}


# (endpoint, URL from the research world, what a reader must find, outcomes)
API = [
    (
        "studies",
        lambda r: "/api/v1/studies",
        lambda r, data, role: (
            {item["acronym"] for item in data["items"]}
            == ({"PEDCOV"} if role == "partner" else {"PEDCOV", "NEOFAM"})
        ),
        everyone(),
    ),
    (
        "the study",
        lambda r: f"/api/v1/studies/{r.study.pk}",
        lambda r, data, role: (
            data["acronym"] == "PEDCOV" and data["enrolled"] == (3 if role == "partner" else 61)
        ),
        everyone(),
    ),
    (
        "the other study",
        lambda r: f"/api/v1/studies/{r.other_study.pk}",
        lambda r, data, role: data["acronym"] == "NEOFAM",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "sites",
        lambda r: f"/api/v1/studies/{r.study.pk}/sites",
        lambda r, data, role: (
            _ids(data if isinstance(data, list) else data["items"])
            == (
                {r.partner_site.pk}
                if role == "partner"
                else {r.home_site.pk, r.partner_site.pk, r.other_site.pk}
            )
        ),
        everyone(),
    ),
    (
        "own site",
        lambda r: f"/api/v1/studies/{r.study.pk}/sites/{r.partner_site.pk}",
        lambda r, data, role: data["id"] == r.partner_site.pk,
        everyone(),
    ),
    (
        "another site",
        lambda r: f"/api/v1/studies/{r.study.pk}/sites/{r.other_site.pk}",
        lambda r, data, role: data["id"] == r.other_site.pk,
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "another site's approvals",
        lambda r: f"/api/v1/studies/{r.study.pk}/sites/{r.other_site.pk}/approvals",
        lambda r, data, role: "GOSH-24-LO-0317" in str(data),
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "another site's enrolment",
        lambda r: f"/api/v1/studies/{r.study.pk}/sites/{r.other_site.pk}/enrolment",
        lambda r, data, role: "17" in str(data),
        only(*HOME_STAFF, partner=MISSING),
    ),
]


def _api_cells():
    for name, url, check, outcomes in API:
        for role in ROLES:
            yield pytest.param(url, check, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_api_cells()))
def test_api_answers_each_role_with_what_it_may_see(
    world, research, client, url, check, role, outcome
):
    headers = {}
    user = world.user(role)
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        headers["Authorization"] = f"Bearer {raw}"
    response = client.get(url(research), headers=headers)
    if outcome == OK:
        assert response.status_code == 200, response.content
        assert check(research, response.json(), role)
    elif outcome == LOGIN:
        assert response.status_code == 401
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
    elif outcome == MISSING:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == (0 if user is None else 1)


# --- figure 2: the site-isolation sweep over the demo --------------------------------------


@pytest.fixture
def demo(db):
    from amity.directory.demo import load_demo
    from amity.events.demo import load_demo_activities
    from amity.research.demo import load
    from amity.sharing.demo import load_demo_sharing

    load_demo(synthetic_people=0)
    load_demo_activities()  # the weekly call and the shared document the study links
    load_demo_sharing()
    assert load() > 0
    return User.objects.get(username="partner")


def _page_addresses() -> list[tuple[str, str, int]]:
    """Every research page of the URL configuration for every object of the demo: (url,
    kind of object, its id). The kind follows from the pattern (``sites/<pk>/…`` is a
    site's page), so a page added later is swept without editing this test."""
    objects = {
        "study": list(Study.objects.values_list("pk", flat=True)),
        "site": list(Site.objects.values_list("pk", flat=True)),
        "publication": list(Publication.objects.values_list("pk", flat=True)),
        "registry": list(RegistryId.objects.values_list("pk", flat=True)),
    }
    addresses = []
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if "pk" not in params:  # the overview, a new study, the tables of all studies
            for kwargs in _table_kwargs(params):
                addresses.append((reverse(f"research:{pattern.name}", kwargs=kwargs), "none", 0))
            continue
        kind = route.split("/")[0] if not route.startswith("<") else "study"
        kind = {"sites": "site", "publications": "publication"}.get(kind, kind)
        inner = [name for name in params if name.endswith("_pk")]
        others = [name for name in params if name != "pk" and name not in inner]
        for pk in objects[kind]:
            # A second object in the address (a team member, a linked activity, …): each
            # of this study's or site's.
            for inner_kwargs in _inner_kwargs(inner, pk):
                for kwargs in _table_kwargs(others):
                    kwargs.update(inner_kwargs, pk=pk)
                    url = reverse(f"research:{pattern.name}", kwargs=kwargs)
                    addresses.append((url, kind, pk))
    return addresses


def _inner_kwargs(names: list[str], pk: int) -> list[dict]:
    """For an address with a second object: every one of them the study or site has."""
    related = {
        "member_pk": lambda: StudyMember.objects.filter(study_id=pk),
        "activity_pk": lambda: Study.objects.get(pk=pk).activities.all(),
        "document_pk": lambda: Study.objects.get(pk=pk).documents.all(),
        "registry_pk": lambda: RegistryId.objects.filter(study_id=pk),
        "publication_pk": lambda: Publication.objects.filter(study_id=pk),
        "site_pk": lambda: Site.objects.filter(study_id=pk),
        "agreement_pk": lambda: Site.objects.get(pk=pk).agreements.all(),
        "approval_pk": lambda: EthicsApproval.objects.filter(site_id=pk),
    }
    if not names:
        return [{}]
    (name,) = names  # one second object at most; a new kind is named here
    return [{name: obj.pk} for obj in related[name]()]


TABLES = ("studies", "sites", "enrolment")


def _table_kwargs(params: list[str]) -> list[dict]:
    """Arguments besides the object: each table as CSV, or the papers as BibTeX."""
    if "table" in params:
        return [{"table": table, "fmt": "csv"} for table in TABLES]
    return [{"fmt": "bibtex"}] if "fmt" in params else [{}]


def _api_addresses() -> list[tuple[str, str, int]]:
    """Every ``studies/…`` GET endpoint of the OpenAPI document for every study and site
    of the demo (and the enrolment of every month of every site)."""
    from amity.api.api import api

    paths = [
        path
        for path, operations in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/studies") and "get" in operations
    ]
    addresses = []
    sites = list(Site.objects.values_list("pk", "study_id"))
    for path in paths:
        if "{site_id}" in path:
            for site_id, study_id in sites:
                url = path.replace("{study_id}", str(study_id)).replace("{site_id}", str(site_id))
                addresses.append((url, "site", site_id))
        elif "{study_id}" in path:
            for study_id in Study.objects.values_list("pk", flat=True):
                addresses.append((path.replace("{study_id}", str(study_id)), "study", study_id))
        elif "{table}" in path:
            for table in TABLES:
                addresses.append((path.replace("{table}", table), "none", 0))
        elif "{" not in path:
            addresses.append((path, "none", 0))
    return addresses


def _owner(kind: str, pk: int) -> tuple[int | None, int | None]:
    """(study, site) an address is about."""
    if kind == "study":
        return pk, None
    if kind == "site":
        site = Site.objects.get(pk=pk)
        return site.study_id, site.pk
    if kind == "publication":
        return Publication.objects.get(pk=pk).study_id, None
    if kind == "registry":
        return RegistryId.objects.get(pk=pk).study_id, None
    return None, None


def test_a_partner_contact_sweeping_every_research_address_of_the_demo_gets_only_their_own(
    demo, client
):
    """Figure 2 of issue #14."""
    partner = demo
    institution = partner.person.institution
    own_sites = set(Site.objects.filter(institution=institution).values_list("pk", flat=True))
    own_studies = set(Site.objects.filter(pk__in=own_sites).values_list("study_id", flat=True))
    assert (len(own_studies), len(own_sites)) == (1, 1)
    assert Study.objects.count() > len(own_studies) and Site.objects.count() > 5
    others = Site.objects.filter(study_id__in=own_studies).exclude(pk__in=own_sites)
    lead_ids = set(Study.objects.values_list("lead_institution_id", flat=True))
    # What would show another site: its institution (unless it leads a study, which is the
    # study's own data) and the references of its approvals.
    secrets = {
        site.institution.name for site in others if site.institution_id not in lead_ids
    } | set(
        EthicsApproval.objects.exclude(site_id__in=own_sites).values_list("reference", flat=True)
    )
    assert len(secrets) >= 5

    _token, raw = api_token_create(user=partner, name="sweep")
    client.force_login(partner)
    answered, refused, hidden = [], [], []
    own_count = 0
    for addresses, headers in (
        (_page_addresses(), {}),
        (_api_addresses(), {"Authorization": f"Bearer {raw}"}),
    ):
        for url, kind, pk in addresses:
            response = client.get(url, headers=headers)
            if response.status_code == 405:  # an action: ask it as the form would
                response = client.post(url, headers=headers)
            study_id, site_id = _owner(kind, pk)
            body = response.content.decode(errors="replace")
            leaked = sorted(s for s in secrets if s in body)
            assert not leaked, f"{url} shows {leaked}"
            if kind == "none":  # the overview, a new study: not about one study or site
                continue
            own = study_id in own_studies and (site_id is None or site_id in own_sites)
            own_count += own
            if response.status_code == 200:
                answered.append(url)
                assert own, f"{url} answered a partner contact"
            elif response.status_code == 403:
                refused.append(url)
                assert own, f"{url} admitted that it exists"
            else:
                assert response.status_code == 404, (url, response.status_code)
                hidden.append(url)
                assert not own, f"{url} hid their own study or site"

    swept = len(answered) + len(refused) + len(hidden)
    # Counted: of everything requested about a study or site, the partner contact got
    # exactly their own (answered, or refused as not theirs to change); the rest does not
    # exist for them.
    assert len(answered) + len(refused) == own_count
    assert len(hidden) == swept - own_count
    assert len(answered) >= 4 and len(hidden) > own_count
    print(
        f"\nsite-isolation sweep: {swept} addresses about a study or site requested; "
        f"{len(answered)} answered and {len(refused)} refused (their own), "
        f"{len(hidden)} not found"
    )

    # Posting enrolment to every site's page writes only to their own site.
    before = dict(Enrolment.objects.values_list("pk", "count"))
    for site_id in Site.objects.values_list("pk", flat=True):
        client.post(reverse("research:enrolment", args=[site_id]), {MONTH_FIELD: "4"})
    changed = Enrolment.objects.exclude(pk__in=before.keys())
    assert set(changed.values_list("site_id", flat=True)) == own_sites
    assert dict(Enrolment.objects.filter(pk__in=before.keys()).values_list("pk", "count")) == (
        before
    )
