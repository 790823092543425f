"""Pages run under the Content-Security-Policy in a real browser (issue #12): Chromium opens
pages of every kind as office staff and as a partner contact, in English and in Chinese,
and no page reports a console error or a CSP violation, while the pages' scripts still do
their work (the time-zone cookie, the registration form's zone, the admin's select-all,
the API docs drawn by Swagger UI)."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from amity.accounts.models import User
from amity.directory.models import Institution
from amity.events.models import Activity
from amity.registrations.models import Registration, RegistrationSettings
from amity.relations.models import Campaign
from amity.sharing.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

# Collects what the page's CSP refused, before any of the page's own scripts run.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", verbosity=0)


def office_pages() -> list[str]:
    partner = Institution.objects.get(name="Loma Linda University")
    busiest = Activity.objects.annotate(n=Count("sessions")).order_by("-n", "pk").first()
    return [
        "/",
        reverse("directory:institution_list"),
        reverse("directory:institution_detail", args=[partner.pk]),
        reverse("directory:person_list"),
        reverse("events:agenda"),
        reverse("events:month"),
        reverse("events:activity_detail", args=[busiest.pk]),
        reverse("scheduling:plan_call", args=[busiest.pk]),
        reverse("registrations:registrants", args=[busiest.pk]),
        reverse("relations:campaign_list"),
        reverse("relations:campaign_detail", args=[Campaign.objects.first().pk]),
        reverse("relations:agreement_list"),
        reverse("sharing:document_list"),
        reverse("sharing:document_detail", args=[Document.objects.first().pk]),
        reverse("aid:home"),
        reverse("aid:stock"),
        reverse("research:overview"),
        reverse("plans:plan_list"),
        reverse("learning:course_list"),
        "/admin/",
        "/admin/directory/institution/",
        "/api/v1/docs",
    ]


def partner_pages(user: User) -> list[str]:
    return [
        "/",
        reverse("directory:institution_detail", args=[user.person.institution_id]),
        reverse("events:agenda"),
        reverse("events:month"),
        reverse("sharing:document_list"),
        reverse("directory:my_profile"),
    ]


def public_pages() -> list[str]:
    activity = next(
        s.activity for s in RegistrationSettings.objects.order_by("pk") if s.accepting_now()
    )
    # A self-service link still in use (links end with erasure or the retention period).
    registration = next(
        r
        for r in Registration.objects.filter(erased_at__isnull=True)
        if Client().get(r.get_absolute_url()).status_code == 200
    )
    return [
        reverse("events:public_agenda"),
        reverse("registrations:register", args=[activity.pk]),
        registration.get_absolute_url(),
        reverse("accounts:login"),
        "/no-such-page/",
    ]


def open_context(browser, live_server, *, locale: str, zone: str, username: str | None):
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id=zone)
    context.set_default_timeout(20_000)
    context.add_init_script(LISTEN)
    if username:
        client = Client()
        client.force_login(User.objects.get(username=username))
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def visit(page, url: str, errors: list[str]) -> None:
    """Open ``url``; every console error and CSP violation lands in ``errors``."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    for violation in page.evaluate("window.__cspViolations || []"):
        errors.append(f"{url}: CSP violation: {violation}")


def console_errors(page, errors: list[str]) -> None:
    def record(message) -> None:
        if message.type == "error":
            text = message.text
            # The one page opened on purpose to be missing logs its own 404.
            if "/no-such-page/" in page.url and "404" in text:
                return
            errors.append(f"{page.url}: console: {text}")

    def failed(response) -> None:
        if response.status >= 400 and "/no-such-page/" not in response.url:
            errors.append(f"{page.url}: {response.status} for {response.url}")

    page.on("console", record)
    page.on("response", failed)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: script error: {error}"))


@pytest.mark.parametrize(
    ("locale", "zone", "language"),
    [("en-US", "America/Los_Angeles", "en"), ("zh-CN", "Asia/Shanghai", "zh-hans")],
)
def test_office_staff_pages_run_under_the_policy(
    browser, live_server, demo, locale, zone, language
):
    context = open_context(browser, live_server, locale=locale, zone=zone, username="office")
    page = context.new_page()
    errors: list[str] = []
    console_errors(page, errors)

    for url in office_pages():
        visit(page, url, errors)
        assert page.locator("html").get_attribute("lang") in {language, None}, url

    # The time-zone script ran and told the server the browser's zone.
    assert {c["name"]: c["value"] for c in context.cookies()}["amity_tz"] == zone
    # Swagger UI drew the API's operations from its own static files.
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    # The admin's select-all box still selects every row.
    page.goto("/admin/directory/institution/")
    page.locator("#action-toggle").check()
    rows = page.locator("input.action-select")
    assert rows.count() > 3
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    context.close()

    assert errors == []


@pytest.mark.parametrize(
    ("locale", "zone"), [("en-US", "America/Los_Angeles"), ("zh-CN", "Asia/Shanghai")]
)
def test_partner_and_public_pages_run_under_the_policy(browser, live_server, demo, locale, zone):
    partner = User.objects.get(username="partner")
    context = open_context(browser, live_server, locale=locale, zone=zone, username="partner")
    page = context.new_page()
    errors: list[str] = []
    console_errors(page, errors)
    for url in partner_pages(partner):
        visit(page, url, errors)
    assert {c["name"]: c["value"] for c in context.cookies()}["amity_tz"] == zone
    context.close()

    visitor = open_context(browser, live_server, locale=locale, zone=zone, username=None)
    page = visitor.new_page()
    console_errors(page, errors)
    pages = public_pages()
    for url in pages:
        visit(page, url, errors)
    # The registration form starts with the browser's own time zone, filled in by script.
    page.goto(pages[1])
    expect(page.locator("input[data-fill-zone]")).to_have_value(zone)
    visitor.close()

    assert errors == []
