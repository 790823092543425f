"""Every page carries the security headers (issue #12) and has nothing inline for its
Content-Security-Policy to block: no <script> without src, no <style>, no style="", no
on…= handler, no javascript: address.

The pages are found the way a person finds them: from the start pages of office staff, a
partner contact and a visitor who is not logged in, every link of the demo scenario is
followed, up to two pages per URL pattern (one or two per kind of admin page), and the
test then checks that every kind of page the issue names was reached."""

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, include, path, resolve

from amity.accounts.models import User
from amity.registrations.models import Registration

PER_ROUTE = 2
PAGE_BUDGET = 900
# Links not to follow: leaving (logout is a POST anyway), switching the language.
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/static/")
SANDBOX = "sandbox; default-src 'none'"


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-boom/", boom), path("", include("amity.urls"))]


class InlineFinder(HTMLParser):
    """What a strict Content-Security-Policy would block, with the tag it was found in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.links: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            # JSON for a script to read is data, not script: CSP does not apply to it.
            if "src" not in attributes and kind not in {"application/json", "application/ld+json"}:
                self.found.append("<script> without src")
                self._in_inline_script = True
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if (
                name in {"href", "src", "action", "formaction"}
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.found.append(f"javascript: in {name} of <{tag}>")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def inline_content(html: str) -> tuple[list[str], list[str]]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found, finder.links


def header_problems(response) -> list[str]:
    problems = []
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    expected = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
    for name, value in expected.items():
        if directives.get(name) != value:
            problems.append(f"CSP {name} is {directives.get(name)}, not {value}")
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"CSP allows unsafe code: {policy}")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    permissions = response.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        if f"{feature}=()" not in permissions:
            problems.append(f"Permissions-Policy leaves {feature} on: {permissions!r}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    return problems


def page_problems(response) -> list[str]:
    problems = header_problems(response)
    if response.get("Content-Type", "").startswith("text/html"):
        found, _links = inline_content(response.content.decode())
        problems += found
    return problems


def route_key(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.app_name == "admin":
        # One or two of each kind of admin page (index, list, change, add, history, …),
        # not every model's.
        return "admin:" + match.url_name.rsplit("_", 1)[-1]
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.route


def crawl(client: Client, starts: list[str]) -> tuple[Counter, dict[str, list[str]]]:
    """Follow every same-site link from ``starts``; the routes visited and what was
    wrong on which page."""
    seen_urls: set[str] = set()
    visits: Counter = Counter()
    problems: dict[str, list[str]] = {}
    queue = list(starts)
    while queue and sum(visits.values()) < PAGE_BUDGET:
        url = urldefrag(queue.pop(0))[0]
        if url in seen_urls or not url.startswith("/") or url.startswith(SKIP_PREFIXES):
            continue
        seen_urls.add(url)
        key = route_key(url)
        if key is None or visits[key] >= PER_ROUTE:
            continue
        response = client.get(url)
        visits[key] += 1
        if response.status_code != 200:
            continue
        if "attachment" in response.get("Content-Disposition", ""):
            if key.endswith(("download", "_file")):
                # A file someone uploaded is never run as a page: core.downloads' sandbox.
                visits["uploaded file"] += 1
                if response.get("Content-Security-Policy") != SANDBOX:
                    problems[url] = [f"upload with CSP {response.get('Content-Security-Policy')}"]
            elif response.get("Content-Security-Policy") != SANDBOX and (
                found := header_problems(response)
            ):
                problems[url] = found  # an export Amity made: the sandbox or the pages' policy
            continue
        if found := page_problems(response):
            problems[url] = found
        if response.get("Content-Type", "").startswith("text/html"):
            _found, links = inline_content(response.content.decode())
            queue += [link for link in links if link.startswith("/")]
    return visits, problems


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", verbosity=0)


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_every_page_kind_has_the_headers_and_nothing_inline(demo):
    registration = next(
        r
        for r in Registration.objects.filter(erased_at__isnull=True)
        if Client().get(r.get_absolute_url()).status_code == 200
    )
    office_visits, office_problems = crawl(logged_in("office"), ["/", "/admin/", "/api/v1/docs"])
    partner_visits, partner_problems = crawl(logged_in("partner"), ["/"])
    public_visits, public_problems = crawl(
        Client(), ["/public/", "/accounts/login/", registration.get_absolute_url()]
    )
    visits = office_visits + partner_visits + public_visits

    problems = {**office_problems, **partner_problems, **public_problems}
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
    expected_kinds = {
        "home:home",
        "directory:institution_list",
        "directory:institution_detail",
        "directory:person_list",
        "directory:person_detail",
        "events:agenda",
        "events:month",
        "events:activity_detail",
        "registrations:register",
        "registrations:self",
        "registrations:registrants",
        "scheduling:plan_call",
        "relations:campaign_list",
        "relations:agreement_list",
        "sharing:document_list",
        "sharing:document_detail",
        "aid:home",
        "aid:stock",
        "research:overview",
        "plans:plan_list",
        "learning:course_list",
        "accounts:login",
        "admin:index",
        "admin:changelist",
        "admin:change",
        "api-1:openapi-view",
        "uploaded file",
    }
    assert expected_kinds - set(visits) == set()
    assert len(visits) > 80, sorted(visits)


@pytest.mark.urls(__name__)
def test_the_404_and_500_pages_have_the_headers_and_nothing_inline(db):
    client = Client(raise_request_exception=False)

    missing = client.get("/no-such-page/")
    broken = client.get("/test-boom/")

    assert missing.status_code == 404
    assert "This page does not exist" in missing.content.decode()
    assert page_problems(missing) == []
    assert broken.status_code == 500
    assert "Something went wrong" in broken.content.decode()
    assert page_problems(broken) == []


def test_the_api_docs_run_under_the_same_policy(db, world):
    client = Client()
    client.force_login(world.office)

    docs = client.get("/api/v1/docs")
    schema = client.get("/api/v1/openapi.json")

    assert "swagger-ui-bundle.js" in docs.content.decode()
    assert page_problems(docs) == []
    assert schema.json()["info"]["title"] == "Amity API"
    assert header_problems(schema) == []


def test_the_finder_catches_every_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{"a": 1}</script><style>p{}</style>'
        '<p style="color:red" onclick="x()">a</p><a href="javascript:void(0)">b</a>'
        '<svg><rect fill="red"/></svg>'
    )

    found, _links = inline_content(html)

    assert found == [
        "<script> without src",
        "<style>",
        'style="color:red" on <p>',
        "onclick= handler on <p>",
        "javascript: in href of <a>",
    ]
