"""The office writes one bilingual letter to the partners, previews every recipient's
letter, sends it with one click, watches the progress fill in while the worker delivers,
and finds the letter on Loma Linda's partner page."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from amity.relations.models import Letter
from tests.conftest import PASSWORD
from tests.relations.conftest import contacts  # noqa: F401  (the demo-like partners)

pytestmark = pytest.mark.django_db(transaction=True)

BODY_ZH = "{salutation}：\n\n疫情期间，我们牵挂着{partner}的各位同事。\n\n杭州，{date}"
BODY_EN = "{salutation},\n\nOur thoughts are with everyone at {partner}.\n\nHangzhou, {date}"


def test_office_writes_a_bilingual_letter_previews_sends_and_sees_it_on_the_partner_page(
    world,
    contacts,  # noqa: F811 (the fixture imported above)
    page,
    run_worker,
    settings,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.office.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Letters").click()
    page.get_by_role("link", name="Write a letter").click()
    page.get_by_label("Name").fill("Letter of solidarity")
    page.get_by_label("Date of the letter").fill("2020-03-20")
    page.get_by_label("Active partner").check()
    page.get_by_label("Subject in Chinese").fill("与您同在")
    page.get_by_label("Letter in Chinese").fill(BODY_ZH)
    page.get_by_label("Subject in English").fill("With you in these difficult days")
    page.get_by_label("Letter in English").fill(BODY_EN.replace("{date}", "{dte}"))
    page.get_by_role("button", name="Save and preview").click()

    # A typo in a placeholder is caught before anything is saved.
    expect(page.get_by_text("Unknown placeholder {dte}.")).to_be_visible()
    page.get_by_label("Letter in English").fill(BODY_EN)
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview: Letter of solidarity")
    expect(page.get_by_test_id("recipient-count")).to_have_text(
        "4 recipients will get this letter, each in their own language."
    )
    previews = page.get_by_test_id("letter-preview")
    expect(previews).to_have_count(4)
    tan = previews.filter(has_text="Tan Wei Ling")
    expect(tan).to_contain_text("Chinese and English")
    expect(tan).to_contain_text("尊敬的陈伟玲博士：")
    expect(tan).to_contain_text("杭州，2020年3月20日")
    expect(tan).to_contain_text("Dear Dr. Tan,")
    carter = previews.filter(has_text="Emily Carter")
    expect(carter).to_contain_text("Dear Emily Carter,")
    expect(carter).to_contain_text("Our thoughts are with everyone at Loma Linda University.")
    expect(carter).not_to_contain_text("尊敬的")

    page.get_by_role("button", name="Send to 4 recipients").first.click()
    expect(page.get_by_text("4 letters were written and queued for sending.")).to_be_visible()
    progress = page.get_by_test_id("progress")
    expect(progress.locator('[data-count="queued"]')).to_have_text("4")
    expect(progress.locator('[data-count="sent"]')).to_have_text("0")

    # The worker delivers; the page, polling by itself, shows every letter sent.
    run_worker()
    expect(progress.locator('[data-count="sent"]')).to_have_text("4", timeout=20_000)
    expect(page.get_by_test_id("progress-note")).to_have_text("Nothing is left to send.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [
            world.partner_contact.person.email,
            world.other_partner_contact.email,
            contacts.rosenfeld.email,
            contacts.tan.email,
        ]
    )
    assert Letter.objects.count() == 4

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Institutions").click()
    page.get_by_role("link", name="Loma Linda University").click()
    letters = page.get_by_test_id("partner-letters")
    expect(letters.get_by_role("link", name="With you in these difficult days")).to_be_visible()
    expect(letters.get_by_test_id("letter-state")).to_have_text("Sent")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Letter sent")
    expect(timeline).to_contain_text("Emily Carter")

    letters.get_by_role("link", name="With you in these difficult days").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("With you in these difficult days")
    expect(page.get_by_text("Dear Emily Carter,")).to_be_visible()
