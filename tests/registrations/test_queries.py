"""The public registration path is the hot path of a 10,000-person burst: what one
registration asks of the database, statement by statement, so that a query added to it
shows here first."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from amity.registrations import services
from amity.registrations.models import Question, Registration

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = {
    "family_name": "Fu",
    "given_name": "Junfen",
    "email": "fu.junfen@zch.example.cn",
    "country": "CN",
    "profession": "physician",
    "time_zone": "Asia/Shanghai",
    "consent": True,
}


def _statements(queries) -> list[str]:
    """Each statement as its verb and first table; transaction control (BEGIN, COMMIT,
    savepoints), which only some databases log, is left out."""
    found = []
    for query in queries:
        sql = query["sql"].strip()
        verb = sql.split(None, 1)[0].upper()
        if verb in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"}:
            continue
        while "(" in sql:  # subqueries and column lists: keep the outer statement
            sql = re.sub(r"\([^()]*\)", "", sql)
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
        found.append(f"{verb} {table.group(1) if table else '?'}")
    return found


def _register(activity, payload):
    # The privacy notice in effect is read once a minute, not per registration: as in a
    # burst, it is already cached (see test_the_privacy_notice_is_read_once_not_per_...).
    services.privacy_notice_current()
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            f"/api/v1/activities/{activity.pk}/registrations",
            data=json.dumps(payload),
            content_type="application/json",
        )
    return response, _statements(queries.captured_queries)


def test_api_registration_queries_without_questions(webinar):
    """Registering through the API for an activity without questions reads the activity
    (and whether it asks questions) once, takes the registration lock, reads the
    database's clock (the waiting list's order, the same for every server), and writes the
    registration and its confirmation task: five statements."""
    response, statements = _register(webinar, PAYLOAD)

    assert response.status_code == 202
    assert statements == [
        "SELECT events_activity",
        "SELECT registrations_registrationsettings",
        "SELECT ?",  # the database's clock, read once the lock is held (amity.core.clock)
        "INSERT registrations_registration",
        "INSERT django_tasks_database_dbtaskresult",
    ]


def test_api_registration_queries_with_questions(webinar):
    """An activity that asks questions costs one more read, of its questions, and the
    answer is kept."""
    question = services.question_save(
        question=Question(activity=webinar),
        fields={"label": "Beds in your hospital", "kind": "text", "required": True},
    )

    response, statements = _register(webinar, {**PAYLOAD, "answers": {str(question.pk): "1900"}})

    assert response.status_code == 202
    assert statements == [
        "SELECT events_activity",
        "SELECT registrations_question",
        "SELECT registrations_registrationsettings",
        "SELECT ?",  # the database's clock, read once the lock is held (amity.core.clock)
        "INSERT registrations_registration",
        "INSERT django_tasks_database_dbtaskresult",
    ]
    assert Registration.objects.get().answers == {str(question.pk): "1900"}


def test_page_registration_queries_without_questions(webinar):
    """Registering on the page for an activity without questions reads the activity (and
    whether it asks questions) once, its settings, takes the registration lock, and writes
    the registration and its confirmation task: no read of questions there are none of,
    nor of the privacy notice, which is cached."""
    form = {**PAYLOAD, "consent": "on", "submission": "k1"}
    services.privacy_notice_current()
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(f"/activities/{webinar.pk}/register/", data=form)

    assert response.status_code == 200
    assert Registration.objects.get().email == "fu.junfen@zch.example.cn"
    assert _statements(queries.captured_queries) == [
        "SELECT events_activity",
        "SELECT registrations_registrationsettings",
        "SELECT registrations_registrationsettings",
        "SELECT ?",  # the database's clock, read once the lock is held (amity.core.clock)
        "INSERT registrations_registration",
        "INSERT django_tasks_database_dbtaskresult",
    ]


def test_api_registration_of_a_known_address_needs_no_savepoint(webinar):
    """The registration is written with the one-per-email constraint deciding in the same
    statement (nothing written when the address is known), so no savepoint is taken
    either for a new address or for a known one. The known one gets the same answer,
    and its link is queued by email (the time noted, for the throttle)."""
    services.privacy_notice_current()
    with CaptureQueriesContext(connection) as queries:
        first, _ = _register(webinar, PAYLOAD)
        again, statements = _register(webinar, {**PAYLOAD, "email": PAYLOAD["email"].upper()})

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]
    assert statements == [
        "SELECT events_activity",
        "SELECT registrations_registrationsettings",
        "SELECT ?",  # the database's clock, read once the lock is held (amity.core.clock)
        "INSERT registrations_registration",
        "SELECT registrations_registration",
        "UPDATE registrations_registration",
        "INSERT django_tasks_database_dbtaskresult",
    ]
    assert Registration.objects.count() == 1


def test_the_privacy_notice_is_read_once_not_per_registration(webinar):
    """The first registration ever publishes the standard notice as version 1; the
    versions are then cached, so the next registrations read no notice."""
    _first, first_statements = _register_cold(webinar, PAYLOAD)
    _second, second_statements = _register_cold(webinar, {**PAYLOAD, "email": "b@example.org"})

    assert [s for s in first_statements if "privacynotice" in s] == [
        "SELECT registrations_privacynotice",
        "SELECT registrations_privacynotice",
        "INSERT registrations_privacynotice",
    ]
    assert [s for s in second_statements if "privacynotice" in s] == []
    assert list(Registration.objects.values_list("notice__version", flat=True)) == [1, 1]


def _register_cold(activity, payload):
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            f"/api/v1/activities/{activity.pk}/registrations",
            data=json.dumps(payload),
            content_type="application/json",
        )
    return response, _statements(queries.captured_queries)
