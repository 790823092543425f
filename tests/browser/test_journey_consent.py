"""A registrant reading Chinese registers for a webinar co-organised with a partner abroad
that asks a sensitive question: the notice is shown in both languages (Chinese first), the
consents are separate boxes, none ticked in advance, and the form submits with the
transfer refused and the sensitive consent given."""

import pytest
from playwright.sync_api import expect

from amity.registrations import services
from amity.registrations.models import Question, Registration

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_chinese_form_asks_each_consent_separately_and_submits(
    browser, live_server, lecture, world
):
    webinar = lecture
    services.registration_settings_save(activity=webinar, fields={"capacity": None})
    webinar.partners.add(world.partner)
    health = services.question_save(
        question=Question(activity=webinar),
        fields={
            "label": "Any dietary or health needs?",
            "label_local": "您是否有饮食或健康方面的需要？",
            "kind": "text",
            "sensitive": True,
        },
    )
    notice = services.privacy_notice_current()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/activities/{webinar.pk}/register/")
        shown = page.get_by_test_id("privacy-notice")
        expect(shown.get_by_test_id("notice-zh")).to_contain_text(notice.text_local[:20])
        expect(shown.get_by_test_id("notice-en")).to_contain_text(notice.text[:40])
        texts = shown.inner_text()
        assert texts.index(notice.text_local[:20]) < texts.index(notice.text[:40])
        expect(page.get_by_test_id("partners-abroad")).to_contain_text("Loma Linda University")
        expect(page.get_by_label("您是否有饮食或健康方面的需要？")).to_be_visible()

        boxes = page.get_by_test_id("consents").locator("input[type=checkbox]")
        expect(boxes).to_have_count(3)
        for name in ("consent", "sensitive_consent", "transfer_consent"):
            box = page.locator(f"input[type=checkbox][name={name}]")
            expect(box).not_to_be_checked()
            # Each box has a label of its own: consenting to one ticks no other.
            expect(page.locator(f"label:has(input[name={name}])")).to_have_count(1)

        page.locator("#id_family_name").fill("李")
        page.locator("#id_given_name").fill("娜")
        page.locator("#id_email").fill("li.na@hospital.example.cn")
        page.locator("#id_time_zone").fill("Asia/Shanghai")
        page.get_by_label("您是否有饮食或健康方面的需要？").fill("素食")
        page.locator("#id_consent").check()
        page.locator("#id_sensitive_consent").check()
        expect(page.locator("#id_transfer_consent")).not_to_be_checked()
        page.get_by_test_id("register-form").locator("button[type=submit]").click()

        expect(page.get_by_test_id("message")).to_contain_text("li.na@hospital.example.cn")
        registration = Registration.objects.get()
        assert (
            registration.sensitive_consent,
            registration.transfer_consent,
            registration.notice.version,
            registration.answers,
            registration.language,
        ) == (True, False, notice.version, {str(health.pk): "素食"}, "zh-hans")
    finally:
        context.close()
