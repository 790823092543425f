"""Sending a letter to many partners: one action, one letter per recipient, delivered by
the background worker through a real SMTP server — exactly once, also when the server
refuses for a while and when Send is pressed twice."""

import threading
from collections import Counter
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from amity.core.models import OutboundEmail
from amity.relations import services
from amity.relations.models import Campaign, Letter
from amity.relations.selectors import campaign_progress

pytestmark = pytest.mark.django_db(transaction=True)


def _make_retries_due():
    DBTaskResult.objects.filter(run_after__isnull=False).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def _text(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def _addressees(smtp_server) -> Counter:
    return Counter(message["To"] for message in smtp_server.messages)


def test_every_recipient_gets_one_letter_though_the_server_refuses_for_a_while(
    world, contacts, make_campaign, smtp_server, run_worker
):
    campaign = make_campaign()
    outcome = services.campaign_send(campaign=campaign, user=world.office)
    assert (outcome.letters, outcome.already_sent) == (5, False)
    assert smtp_server.messages == []  # nothing leaves during the request

    smtp_server.fail_next(3)
    run_worker()
    assert smtp_server.handler.refused == 3
    progress = campaign_progress(campaign)
    assert (progress["sent"], progress["retrying"], progress["done"]) == (2, 3, False)

    _make_retries_due()
    run_worker()
    run_worker()  # nothing is left: a further run sends nothing more

    recipients = {
        world.partner_contact.person.email,
        world.other_partner_contact.email,
        contacts.rosenfeld.email,
        contacts.tan.email,
        contacts.chan.email,
    }
    assert _addressees(smtp_server) == dict.fromkeys(recipients, 1)
    progress = campaign_progress(campaign)
    assert (progress["sent"], progress["retrying"], progress["total"]) == (5, 0, 5)
    assert progress["done"] is True
    assert Letter.objects.filter(campaign=campaign).count() == 5


def test_each_recipient_receives_the_letter_in_their_own_language(
    world, contacts, make_campaign, smtp_server, run_worker
):
    services.campaign_send(campaign=make_campaign(), user=world.office)
    run_worker()

    by_address = {message["To"]: message for message in smtp_server.messages}
    tan = by_address[contacts.tan.email]
    assert tan["Subject"] == "与您同在 / With you, Tan Wei Ling"
    text = _text(tan)
    assert text.index("尊敬的陈伟玲博士：") < text.index("Dear Dr. Tan,")
    assert tan["Reply-To"] == world.office.email
    chan = _text(by_address[contacts.chan.email])
    assert chan.startswith("尊敬的陈大文教授：")
    assert "Dear" not in chan
    rosenfeld = by_address[contacts.rosenfeld.email]
    assert rosenfeld["Subject"] == "With you, Ron Rosenfeld"
    assert _text(rosenfeld) == (
        "Dear Prof. Rosenfeld,\n\nOur thoughts are with everyone at Stanford University."
        "\n\nHangzhou, March 20, 2020\n"
    )


def test_pressing_send_twice_writes_nothing_more(world, contacts, make_campaign, client):
    campaign = make_campaign()
    client.force_login(world.office)
    url = reverse("relations:campaign_send", args=[campaign.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "5 letters were written and queued for sending." in first.content.decode()
    assert "This letter was already sent; nothing more was sent." in second.content.decode()
    assert Letter.objects.filter(campaign=campaign).count() == 5
    assert OutboundEmail.objects.count() == 5
    assert services.campaign_send(campaign=campaign, user=world.office).letters == 0
    assert OutboundEmail.objects.count() == 5


def test_two_clicks_at_the_same_moment_send_one_letter_each(world, contacts, make_campaign):
    """Each click in its own thread with its own database connection, as two browser
    tabs on two app servers would."""
    campaign = make_campaign()
    start = threading.Barrier(4)
    pages = []
    sent = "5 letters were written and queued for sending."
    already = "This letter was already sent; nothing more was sent."

    def click() -> None:
        client = Client()
        client.force_login(world.office)
        start.wait()
        try:
            url = reverse("relations:campaign_send", args=[campaign.pk])
            pages.append(client.post(url, follow=True).content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # What each person saw (the rendered page; the test client's captured contexts mix
    # across threads).
    assert sorted((sent in page, already in page) for page in pages) == [
        (False, True),
        (False, True),
        (False, True),
        (True, False),
    ]
    assert Letter.objects.count() == 5
    assert OutboundEmail.objects.count() == 5


def test_the_letter_as_pdf_on_letterhead_is_attached_with_the_chinese_name(
    world, contacts, make_campaign, smtp_server, run_worker
):
    campaign = make_campaign(delivery="email_pdf", recipient_list=None, countries=["SG"])
    services.campaign_send(campaign=campaign, user=world.office)
    run_worker()

    (message,) = smtp_server.messages
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "letter-tan-wei-ling.pdf"
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfReader(BytesIO(attachment.get_payload(decode=True)))
    chinese, english = (page.extract_text() for page in reader.pages)
    assert "浙江大学医学院附属儿童医院" in chinese  # the letterhead
    assert "陈伟玲" in chinese
    assert "尊敬的陈伟玲博士：" in chinese
    assert "2020年3月20日" in chinese
    assert "舒强" in chinese
    assert "Dear Dr. Tan," in english
    assert "March 20, 2020" in english


def test_a_printed_campaign_makes_letters_without_email(world, contacts, make_campaign, client):
    campaign = make_campaign(delivery="pdf", countries=["HK", "US"])
    outcome = services.campaign_send(campaign=campaign, user=world.office)

    assert outcome.letters == 3
    assert OutboundEmail.objects.count() == 0
    assert campaign_progress(campaign)["pdf"] == 3
    client.force_login(world.office)
    response = client.get(reverse("relations:campaign_pdf", args=[campaign.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    assert "尊敬的陈大文教授：" in text
    assert "Dear Prof. Rosenfeld," in text
    assert "Dear Emily Carter," in text


def test_a_campaign_nobody_matches_is_not_sent(world, make_campaign, client):
    campaign = make_campaign(countries=["JP"])
    client.force_login(world.office)
    response = client.post(reverse("relations:campaign_send", args=[campaign.pk]), follow=True)
    assert (
        "No one matches this letter&#x27;s recipients. Change the filters or the list."
        in response.content.decode()
    )
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    assert Letter.objects.count() == 0
    assert Campaign.objects.get().sent_at is None


def test_a_campaign_sent_in_the_past_is_recorded_as_delivered_then_and_mails_nobody(
    world, contacts, make_campaign
):
    """History (the demo's letters of 2020) goes through the same service as Send: every
    recipient gets the letter the preview shows, dated then and marked delivered then, and
    no email is queued."""
    from amity.relations.selectors import preview_letter

    then = timezone.now() - timedelta(days=2000)
    campaign = make_campaign()

    outcome = services.campaign_send(campaign=campaign, delivered_at=then)

    letters = list(Letter.objects.filter(campaign=campaign).select_related("email", "person"))
    assert outcome.letters == len(letters) > 1
    for letter in letters:
        previewed = preview_letter(campaign, letter.person).rendered
        assert (letter.language, letter.body_en, letter.body_zh) == (
            previewed.language,
            previewed.body_en,
            previewed.body_zh,
        )
        assert (letter.created_at, letter.email.sent_at) == (then, then)
        assert letter.email.status == OutboundEmail.Status.SENT
    assert DBTaskResult.objects.filter(task_path="amity.core.tasks.send_email").count() == 0
    campaign.refresh_from_db()
    assert campaign.sent_at == then
