"""Register for the demo's large webinar in a real browser, receive the confirmation from a
real SMTP server, follow its link and cancel."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from amity.events.models import Activity
from amity.registrations.demo import WEBINAR
from amity.registrations.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_for_the_webinar_get_the_email_follow_its_link_and_cancel(
    browser, live_server, smtp_server, run_worker, settings
):
    call_command("load_demo", people=0, verbosity=0)
    settings.AMITY_SITE_URL = live_server.url
    context = browser.new_context(
        base_url=live_server.url, timezone_id="Europe/Rome", locale="en-US"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/public/")
        page.get_by_role("link", name=WEBINAR).first.click()
        page.get_by_test_id("register-link").get_by_role("link", name="Register").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Register for {WEBINAR}")
        # The zone comes from the browser.
        expect(page.get_by_label("Your time zone")).to_have_value("Europe/Rome")

        page.get_by_label("Family name").fill("Rossi")
        page.get_by_label("Given name").fill("Giulia")
        page.get_by_label("Email").fill("giulia.rossi@bambinogesu.example.it")
        page.get_by_role("textbox", name="Institution").fill("Bambino Gesù Children's Hospital")
        page.get_by_label("Country").select_option("IT")
        page.get_by_label("Profession").select_option("physician")
        page.get_by_label("Years in paediatric practice").select_option("5 to 15")
        page.get_by_label("I agree to the privacy notice.").check()
        page.get_by_role("button", name="Register", exact=True).click()

        # The same answer as for an address already registered: the link is in the email.
        expect(page.get_by_test_id("message")).to_contain_text(
            "We have sent an email to giulia.rossi@bambinogesu.example.it"
        )
        assert Registration.objects.get(email="giulia.rossi@bambinogesu.example.it").answers

        run_worker()
        run_worker()
        (message,) = [m for m in smtp_server.messages if "giulia" in m["To"]]
        assert message["Subject"].strip() == f"You are registered: {WEBINAR}"
        body = message.get_body(("plain",)).get_content()
        session = Activity.objects.get(title=WEBINAR).sessions.get()
        rome = session.starts_at.astimezone(ZoneInfo("Europe/Rome"))
        offset = int(rome.utcoffset().total_seconds() // 3600)
        assert f", {rome:%H:%M}–" in body
        assert f"(Europe/Rome, UTC+{offset})" in body
        link = re.search(r"http://\S+/registration/\S+/", body).group(0)

        page.goto(link)
        expect(page.get_by_test_id("status")).to_have_text("Confirmed")
        page.get_by_role("button", name="Cancel my registration").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Cancel your registration for “{WEBINAR}”?"
        )
        page.get_by_role("button", name="Yes, cancel my registration").click()
        expect(page.get_by_test_id("status")).to_have_text("Cancelled")
        run_worker()
        run_worker()
        cancelled = [
            m
            for m in smtp_server.messages
            if m["Subject"].strip().startswith("Registration cancelled")
        ]
        assert [m["To"] for m in cancelled] == ["giulia.rossi@bambinogesu.example.it"]
    finally:
        context.close()
