from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.core.models import OutboundEmail
from amity.directory.demo import load_demo
from amity.relations.demo import load_demo_relations
from amity.relations.models import Agreement, Campaign, IncomingLetter, Letter, Reply

pytestmark = pytest.mark.django_db


def test_demo_has_the_seeds_letter_of_solidarity_and_the_agreements(media):
    load_demo(synthetic_people=0)
    assert load_demo_relations() == 22

    states = {a.title: a.current_state for a in Agreement.objects.with_state()}
    assert states == {
        "Memorandum of understanding on paediatric endocrinology education": "active",
        "Exchange agreement: children's speech rehabilitation": "active",
        "COVID-19 Multicenter CICU Response: data sharing": "active",
        "Memorandum of understanding on paediatric surgery training": "expired",
        "Research collaboration on neonatal nursing": "draft",
    }
    loma = Agreement.objects.get(partners__name="Loma Linda University")
    assert loma.expires_on == timezone.localdate() + timedelta(days=60)
    assert loma.file_name == "signed-agreement.pdf"
    # Its 90-day reminder is due: a task waits for the demo's worker, to run at once
    # (django-tasks-db stores "at once" as the year 9999); the 30-day one waits for its day.
    tasks = DBTaskResult.objects.filter(
        task_path="amity.relations.tasks.remind_agreement_expiry",
        args_kwargs__kwargs__agreement_id=loma.pk,
    )
    assert sorted(
        (t.args_kwargs["kwargs"]["days"], t.run_after.year == 9999, t.run_after.date())
        for t in tasks
    ) == [
        (30, False, loma.expires_on - timedelta(days=30)),
        (90, True, date(9999, 1, 1)),
    ]

    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.status, campaign.letter_date) == (
        "Letter of solidarity, March 2020",
        "sent",
        date(2020, 3, 20),
    )
    letters = {letter.recipient_name: letter for letter in Letter.objects.all()}
    assert len(letters) == 11
    assert {letter.state for letter in letters.values()} == {"sent"}
    assert letters["Tan Wei Ling"].language == "both"
    assert letters["Tan Wei Ling"].body_zh.startswith("尊敬的陈伟玲博士：")
    assert letters["Ron Rosenfeld"].body_en.startswith("Dear Prof. Rosenfeld,")
    # History, not mail: nothing of the 2020 letters is waiting to be sent.
    assert OutboundEmail.objects.exclude(status="sent").count() == 0
    assert not DBTaskResult.objects.filter(task_path="amity.core.tasks.send_email").exists()

    reply = Reply.objects.get()
    assert reply.letter.person.email == "emily.carter@llu.example.org"
    assert reply.received_on == date(2020, 3, 27)
    assert IncomingLetter.objects.get().institution.name == "Stanford University"


def test_loading_the_demo_relations_twice_duplicates_nothing(media):
    load_demo(synthetic_people=0)
    load_demo_relations()
    counts = [Agreement.objects.count(), Letter.objects.count(), Reply.objects.count()]
    assert load_demo_relations() == 0
    assert [Agreement.objects.count(), Letter.objects.count(), Reply.objects.count()] == counts
