"""The whole API under a property-based fuzzer: schemathesis reads the OpenAPI document
and sends requests built from it to the app in-process (WSGI, no network), signed in as
office staff with a token. No request may end in a server error, and every documented
answer must match its schema. Bounded to a few examples an operation so it stays quick."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from amity.accounts.services import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_connection():
    """Requests run in the test's own transaction, so the handler must not close the
    database connection after each one (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(world, cicu, lecture):
    """Ids that exist, so that the fuzzer reaches past the 404 of a made-up id."""
    return {
        "activity_id": [cicu.pk, lecture.pk],
        "session_id": [cicu.sessions.first().pk, lecture.sessions.first().pk],
        "institution_id": [world.partner.pk],
        "department_id": [world.rehab.pk],
        "person_id": [world.coordinator.person.pk],
    }


@pytest.fixture
def office_token(world):
    _token, raw = api_token_create(user=world.office, name="fuzz")
    return raw


# Beyond what any database integer holds: the fuzzer's own numbers are mostly small.
HUGE = st.integers(min_value=2**63, max_value=2**80)


def _some_numbers_huge(value, draw):
    """``value`` with some of its integers (in query parameters or a JSON body) made huge."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return draw(st.one_of(st.just(value), HUGE))
    if isinstance(value, list):
        return [_some_numbers_huge(item, draw) for item in value]
    if isinstance(value, dict):
        return {key: _some_numbers_huge(item, draw) for key, item in value.items()}
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return str(draw(st.one_of(st.just(int(value)), HUGE)))
    return value


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzzed_requests_get_no_server_error(case, data, known_ids, office_token):
    """Any request the OpenAPI document allows, and many it does not (huge numbers, text
    where a number goes, unknown fields, nulls, control characters), is answered without a
    server error, and a documented status with a body that matches its schema."""
    for name, ids in known_ids.items():
        if case.path_parameters and name in case.path_parameters:
            generated = case.path_parameters[name]
            case.path_parameters[name] = data.draw(st.sampled_from([*ids, generated]))
    if case.query:
        case.query = _some_numbers_huge(case.query, data.draw)
    if isinstance(case.body, dict):
        case.body = _some_numbers_huge(case.body, data.draw)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {office_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
