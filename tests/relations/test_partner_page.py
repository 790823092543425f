"""The partner page: everything done with one institution on the institution's page —
agreements, activities, letters sent and received, documents shared — and a timeline of
all of it, filterable by kind."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from amity.events import services as event_services
from amity.events import timing
from amity.relations import services
from amity.relations.selectors import partner_timeline
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def classroom_2020(world):
    """A past virtual classroom with Loma Linda, held in May 2020."""
    activity = event_services.activity_create(
        fields={
            "title": "Speech rehabilitation classroom 2020",
            "kind": "classroom",
            "status": "held",
            "visibility": "partners",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        },
        partners=[world.partner],
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2020, 5, 1, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    return activity


def _today(correspondence) -> str:
    return timezone.localtime(correspondence.own_letter.created_at).date().isoformat()


def _timeline(response) -> list[tuple[str, str, str]]:
    return [
        (entry.day.isoformat(), entry.what, entry.title)
        for entry in response.context["partner"]["timeline_page"]
    ]


def test_office_sees_everything_done_with_a_partner_newest_first(
    world, correspondence, cicu, classroom_2020, client
):
    client.force_login(world.office)
    response = client.get(world.partner.get_absolute_url())
    body = response.content.decode()

    assert _timeline(response) == [
        ("2033-04-30", "Agreement expires", "Speech rehabilitation exchange"),
        # 16:00 in New York on 3 March is the 4th in the office's Hangzhou.
        ("2027-03-04", "Call", "CICU Response weekly call"),
        (_today(correspondence), "Letter sent", "With you, Emily Carter"),
        ("2023-05-01", "Agreement signed", "Speech rehabilitation exchange"),
        ("2020-05-02", "Letter received", "Course materials for May"),
        ("2020-05-01", "Virtual classroom", "Speech rehabilitation classroom 2020"),
        ("2020-03-27", "Reply received", "Weekly video calls from May"),
    ]
    partner = response.context["partner"]
    assert [a.title for a in partner["upcoming_activities"]] == ["CICU Response weekly call"]
    assert [a.title for a in partner["past_activities"]] == ["Speech rehabilitation classroom 2020"]
    assert "Add agreement" in body and "Log a letter received" in body
    assert "1 reply" in body
    assert 'data-testid="letter-state">Queued</span>' in body


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("agreement", ["Agreement expires", "Agreement signed"]),
        ("letter", ["Letter sent", "Letter received", "Reply received"]),
        ("activity", ["Virtual classroom"]),
        ("document", []),
        ("nonsense", None),  # an unknown kind shows everything
    ],
)
def test_the_timeline_filters_by_kind(
    world, correspondence, classroom_2020, client, kind, expected
):
    client.force_login(world.staff)
    response = client.get(world.partner.get_absolute_url(), {"kind": kind})
    whats = [what for _day, what, _title in _timeline(response)]
    if expected is None:
        assert len(whats) == 6
        assert response.context["timeline_kind"] == ""
    else:
        assert whats == expected
        assert f'href="?kind={kind}#timeline" aria-current="page"' in response.content.decode()
    # The sections above the timeline stay whole.
    assert [a.title for a in response.context["partner"]["agreements"]] == [
        "Speech rehabilitation exchange"
    ]


def test_the_partner_contact_sees_the_letters_to_them_not_the_offices_notes(
    world, correspondence, classroom_2020, client
):
    client.force_login(world.partner_contact)
    response = client.get(world.partner.get_absolute_url())
    body = response.content.decode()

    assert [what for _day, what, _title in _timeline(response)] == [
        "Agreement expires",
        "Letter sent",
        "Agreement signed",
        "Virtual classroom",
    ]
    assert "With you, Emily Carter" in body
    assert "Weekly video calls from May" not in body
    assert "Course materials for May" not in body
    assert "Log a letter received" not in body and "Add agreement" not in body


def test_a_colleagues_letter_is_not_shown_to_the_partner_contact(
    world, correspondence, make_campaign, client
):
    colleague = PersonFactory(family_name="Nguyen", given_name="Laura", institution=world.partner)
    services.campaign_send(campaign=make_campaign(name="Masks"), user=world.office)
    client.force_login(world.partner_contact)
    body = client.get(world.partner.get_absolute_url()).content.decode()
    assert "With you, Emily Carter" in body
    assert f"With you, {colleague.full_name}" not in body
    client.force_login(world.office)
    assert (
        f"With you, {colleague.full_name}"
        in client.get(world.partner.get_absolute_url()).content.decode()
    )


def test_documents_shared_with_the_partner_are_listed(world, client):
    sharing = pytest.importorskip("amity.sharing.services")
    sharing.document_create(
        fields={
            "title": "Diagnosis and treatment of COVID-19 in children",
            "kind": "recording",
            "scope": "chosen",
        },
        owner=world.office,
        partners=[world.partner],
        link="https://video.example.org/covid-19",
    )
    sharing.document_create(
        fields={"title": "Internal roster", "kind": "recording", "scope": "internal"},
        owner=world.office,
        link="https://video.example.org/roster",
    )
    for user in (world.office, world.partner_contact):
        client.force_login(user)
        response = client.get(world.partner.get_absolute_url(), {"kind": "document"})
        assert [title for _d, _w, title in _timeline(response)] == [
            "Diagnosis and treatment of COVID-19 in children"
        ]
        assert "Internal roster" not in response.content.decode()


def test_the_home_hospital_page_has_no_partner_sections(world, correspondence, client):
    client.force_login(world.office)
    response = client.get(world.home.get_absolute_url())
    assert "partner" not in response.context
    assert "Activities together" not in response.content.decode()


def test_the_partner_page_takes_a_fixed_number_of_queries(
    world, make_campaign, client, django_assert_max_num_queries
):
    for n in range(30):
        PersonFactory(institution=world.partner, family_name=f"Contact{n}")
    for n in range(10):
        services.agreement_create(
            fields={
                "title": f"Agreement {n}",
                "kind": "mou",
                "signed_on": date(2020, 1, 1 + n),
                "expires_on": date(2030, 1, 1),
                "status": "active",
            },
            partners=[world.partner],
        )
    letters = services.campaign_send(campaign=make_campaign(), user=world.office).letters
    for n in range(10):
        event_services.activity_create(
            fields={"title": f"Call {n}", "kind": "call", "visibility": "partners"},
            partners=[world.partner],
        )
    client.force_login(world.office)
    # 12, and aid's and research's panels and timelines
    with django_assert_max_num_queries(16):
        response = client.get(world.partner.get_absolute_url())
    assert letters == 32
    assert len(response.context["partner"]["letters"]) == 31
    assert len(response.context["partner"]["timeline"]) == 20 + 31 + 10


def test_the_timeline_selector_reads_only_the_kinds_asked_for(
    world, correspondence, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        entries = partner_timeline(
            user=world.office, institution=world.partner, kinds=["agreement"]
        )
    assert [e.what for e in entries] == ["Agreement expires", "Agreement signed"]
