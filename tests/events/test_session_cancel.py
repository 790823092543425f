"""Cancelling a session asks first: one click alone changes nothing."""

import pytest
from django.urls import reverse

from amity.events.models import Session

pytestmark = pytest.mark.django_db


def test_session_cancel_asks_first_and_cancels_only_when_confirmed(world, client, cicu):
    """The organiser's “Cancel this session” shows a question; only “Yes” cancels it."""
    client.force_login(world.office)
    session = cicu.sessions.first()
    url = reverse("events:session_cancel", args=[session.pk])

    question = client.post(url)

    assert not Session.objects.get(pk=session.pk).is_cancelled
    assert question.status_code == 200
    assert "Cancel this session?" in question.text
    assert "Yes, cancel this session" in question.text
    assert f'href="{cicu.get_absolute_url()}"' in question.text

    done = client.post(url, {"confirm": "1"})

    assert done["Location"] == cicu.get_absolute_url()
    assert Session.objects.get(pk=session.pk).is_cancelled
