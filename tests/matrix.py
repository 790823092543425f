"""The vocabulary of the permission matrices: every role × every page, and the outcome a
person would notice in each cell."""

import pytest
from django.urls import reverse

ROLES = ["anonymous", "office", "coordinator", "staff", "partner"]
OK, FORBIDDEN, MISSING, LOGIN = "ok", "forbidden", "missing", "login"
FORBIDDEN_TEXT = "You do not have permission to see this page"
MISSING_TEXT = "This page does not exist"
HOME_STAFF = ("office", "coordinator", "staff")


def everyone(outcome_for_signed_in: str = OK) -> dict[str, str]:
    """Every signed-in role gets ``outcome_for_signed_in``; anonymous visitors log in."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], outcome_for_signed_in)}


def only(*allowed: str, otherwise: str = FORBIDDEN, partner: str | None = None) -> dict:
    """The ``allowed`` roles see the page, the other signed-in roles get ``otherwise``
    (``partner`` overrides it for partner contacts), anonymous visitors log in."""
    outcomes = {"anonymous": LOGIN}
    for role in ROLES[1:]:
        outcomes[role] = OK if role in allowed else otherwise
    if partner is not None:
        outcomes["partner"] = partner
    return outcomes


def cells(table):
    """pytest parameters (url, text, role, outcome) for a table of
    (name, url builder, the page's own text, outcomes)."""
    for name, url, text, outcomes in table:
        for role in ROLES:
            yield pytest.param(url, text, role, outcomes[role], id=f"{name}-{role}")


def assert_page(response, *, url: str, text: str, outcome: str) -> None:
    body = response.content.decode()
    if outcome == OK:
        assert response.status_code == 200, f"expected the page, got {response.status_code}"
        assert text in body
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
        assert FORBIDDEN_TEXT in body
        assert text not in body
    elif outcome == MISSING:
        assert response.status_code == 404
        assert MISSING_TEXT in body
        assert text not in body
    elif outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    else:
        raise AssertionError(f"unknown outcome {outcome}")
