"""The history of changes: who changed what and when, on every page, through the API and
by scripts; visible and searchable by office staff only; exported as CSV and JSON; never
holding a password, a token or a registrant's personal data."""

import csv
import io
import json
from datetime import timedelta

import pytest
from auditlog.context import set_actor as history_actor
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from amity.accounts.services import api_token_create
from amity.core import history
from amity.directory import services as directory_services
from amity.directory.models import Institution
from amity.events import services as event_services
from amity.registrations import services as registration_services
from amity.sharing import services as sharing_services
from amity.sharing.models import Document, Scope


def _institution_form(institution: Institution, **changes) -> dict:
    data = {
        "name": institution.name,
        "name_local": institution.name_local,
        "short_name": institution.short_name,
        "kind": institution.kind,
        "country": institution.country.code,
        "city": institution.city,
        "time_zone": institution.time_zone,
        "website": institution.website,
        "partnership_status": institution.partnership_status,
        "partner_since": "",
        "notes": institution.notes,
    }
    return data | changes


def _history_url(label: str, pk) -> str:
    return f"/history/{label}/{pk}/"


def _page_rows(response) -> list[str]:
    """The text of each row of the history table, whitespace folded."""
    html = response.content.decode()
    rows = html.split('data-testid="history-row"')[1:]
    return [" ".join(_strip_tags(row.split("</tr>")[0]).split()) for row in rows]


def _strip_tags(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def partner(world):
    return world.partner


def test_history_change_through_a_page_shows_who_and_old_and_new_value(world, login, partner):
    """Office staff change a partner's city on its edit page: the partner's history names
    them and shows "City: Loma Linda → Redlands"."""
    client = login(world.office)
    response = client.post(
        f"/directory/institutions/{partner.pk}/edit/", _institution_form(partner, city="Redlands")
    )
    assert response.status_code == 302
    page = client.get(_history_url("directory.institution", partner.pk))
    rows = _page_rows(page)
    assert len(rows) == 2  # newest first: the change, then the creation by the test's setup
    assert world.office.username in rows[0]
    assert "changed · Institution" in rows[0]
    assert "City : Loma Linda → Redlands" in rows[0]
    assert "system created · Institution" in rows[1]
    assert "City : Loma Linda" in rows[1]
    entry = LogEntry.objects.get_for_object(partner).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == world.office
    assert entry.changes == {"city": ["Loma Linda", "Redlands"]}


def test_history_link_shows_on_the_institution_page_for_office_staff_only(world, login, partner):
    """The "History" button is on the partner's page for office staff, not for a staff
    member."""
    link = f'href="{_history_url("directory.institution", partner.pk)}"'
    office_page = login(world.office).get(f"/directory/institutions/{partner.pk}/")
    assert link in office_page.content.decode()
    staff_page = login(world.staff).get(f"/directory/institutions/{partner.pk}/")
    assert staff_page.status_code == 200
    assert link not in staff_page.content.decode()


def test_history_change_through_the_api_names_the_tokens_user(world, client, cicu):
    """A PATCH with an API token is recorded as the token's user, not as "system"."""
    _token, raw = api_token_create(user=world.office, name="script")
    response = client.patch(
        f"/api/v1/activities/{cicu.pk}",
        json.dumps({"title": "CICU weekly call"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(cicu).get(
        action=LogEntry.Action.UPDATE, changes__has_key="title"
    )
    assert entry.actor == world.office
    assert entry.changes["title"] == ["CICU Response weekly call", "CICU weekly call"]
    client.force_login(world.office)
    rows = _page_rows(client.get(_history_url("events.activity", cicu.pk)))
    assert any(
        world.office.username in row and "CICU Response weekly call → CICU weekly call" in row
        for row in rows
    )


def test_history_change_by_a_command_is_shown_as_system(world, login):
    """Demo data loaded by ``amity manage load_demo`` has no login behind it: its
    entries name no actor and the page says "system"."""
    call_command("load_demo", people=0, verbosity=0)
    entries = LogEntry.objects.filter(content_type__model="activity")
    assert entries.exists()
    assert not entries.filter(actor__isnull=False).exists()
    activity = entries.first()
    rows = _page_rows(login(world.office).get(_history_url("events.activity", activity.object_pk)))
    assert rows
    assert all(" system " in f" {row} " for row in rows)


def test_history_activity_page_includes_its_sessions_and_speakers(world, login, cicu):
    """Moving a session and adding a speaker show on the activity's history, with the
    session and the speaker named."""
    session = cicu.sessions.order_by("starts_at").first()
    event_services.session_move(session=session, starts_at=session.starts_at + timedelta(hours=1))
    event_services.speaker_add(session=session, person=world.partner_contact.person, role="speaker")
    rows = _page_rows(login(world.office).get(_history_url("events.activity", cicu.pk)))
    assert "created · Speaker: Emily Carter (Speaker)" in rows[0]
    assert "changed · Session: CICU Response weekly call" in rows[1]
    assert "Starts : 2027-03-04 05:00 CST → 2027-03-04 06:00 CST" in rows[1]


def test_history_scope_partners_change_is_recorded(world, login, sharing_document):
    """Narrowing a document's sharing from two partners to one records the partner taken
    off and the new scope, on the document's history."""
    sharing_services.document_update(
        document=sharing_document, fields={"scope": Scope.CHOSEN}, partners=[world.partner]
    )
    entries = LogEntry.objects.get_for_object(sharing_document)
    removed = [
        e.changes["partners"]
        for e in entries
        if "partners" in (e.changes or {}) and e.changes["partners"]["operation"] == "delete"
    ]
    assert removed == [
        {"type": "m2m", "operation": "delete", "objects": ["Great Ormond Street Hospital"]}
    ]
    rows = _page_rows(
        login(world.office).get(_history_url("sharing.document", sharing_document.pk))
    )
    assert any("removed: Great Ormond Street Hospital" in row for row in rows)


@pytest.fixture
def sharing_document(world):
    document = sharing_services.document_create(
        fields={
            "title": "COVID-19 ward rounds, recorded",
            "kind": "recording",
            "scope": Scope.CHOSEN,
        },
        partners=[world.partner, world.other_partner],
        owner=world.office,
        link="https://intranet.example.org/protocol",
    )
    return Document.objects.get(pk=document.pk)


def test_history_search_by_person_and_date(world, login, partner):
    """The search finds a person's changes and those of a day; another person's and
    another day's stay out."""
    client = login(world.office)
    client.post(
        f"/directory/institutions/{partner.pk}/edit/", _institution_form(partner, city="Redlands")
    )
    directory_services.institution_update(
        institution=world.other_partner, fields={"city": "Cambridge"}
    )
    old = LogEntry.objects.get_for_object(world.other_partner).get(action=LogEntry.Action.UPDATE)
    LogEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=40))

    by_office = _page_rows(client.get("/history/", {"actor": world.office.pk}))
    assert len(by_office) == 1 and "Redlands" in by_office[0]
    by_system = _page_rows(client.get("/history/", {"actor": "system"}))
    assert any("Cambridge" in row for row in by_system)
    assert not any("Redlands" in row for row in by_system)

    today = timezone.localdate().isoformat()
    today_rows = _page_rows(client.get("/history/", {"since": today, "until": today}))
    assert any("Redlands" in row for row in today_rows)
    assert not any("Cambridge" in row for row in today_rows)
    earlier = (timezone.localdate() - timedelta(days=41)).isoformat()
    before = (timezone.localdate() - timedelta(days=39)).isoformat()
    old_rows = _page_rows(client.get("/history/", {"since": earlier, "until": before}))
    assert len(old_rows) == 1 and "Cambridge" in old_rows[0]

    kind_rows = _page_rows(client.get("/history/", {"kind": "events.activity"}))
    assert not any("Redlands" in row for row in kind_rows)


@pytest.mark.parametrize("role", ["anonymous", "partner", "staff", "coordinator"])
def test_history_pages_are_office_staff_only(world, login, partner, role):
    """Everyone but office staff gets a 404 from both history pages and their downloads,
    and no recorded value leaks."""
    directory_services.institution_update(institution=partner, fields={"city": "Redlands"})
    client = login(world.user(role) if role != "coordinator" else world.coordinator)
    for url in (
        "/history/",
        "/history/?format=csv",
        _history_url("directory.institution", partner.pk),
        _history_url("directory.institution", partner.pk) + "?format=json",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Redlands" not in response.content


def test_history_unknown_kind_or_object_is_not_found(world, login):
    """An untracked model or an object that never had an entry is a 404."""
    client = login(world.office)
    assert client.get(_history_url("registrations.registration", 1)).status_code == 404
    assert client.get(_history_url("directory.institution", 999999)).status_code == 404


def test_history_csv_and_json_exports_hold_the_rows(world, login, partner):
    """An object's history downloads as CSV (a line per changed field) and JSON."""
    client = login(world.office)
    client.post(
        f"/directory/institutions/{partner.pk}/edit/",
        _institution_form(partner, city="Redlands", short_name="=LLU"),
    )
    response = client.get(_history_url("directory.institution", partner.pk), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == [
        "When",
        "Who",
        "Action",
        "Kind",
        "Object",
        "Object ID",
        "Field",
        "Old value",
        "New value",
    ]
    body = sorted(
        (line[1], line[6], line[7], line[8]) for line in lines[1:] if line[2] == "changed"
    )
    assert body == [
        (world.office.username, "City", "Loma Linda", "Redlands"),
        (world.office.username, "Short name", "—", "'=LLU"),
    ]
    data = json.loads(
        client.get(_history_url("directory.institution", partner.pk), {"format": "json"}).content
    )
    assert [entry["action"] for entry in data] == ["update", "create"]
    assert data[0]["actor"] == world.office.username
    assert data[1]["actor"] is None and data[1]["actor_name"] == "system"
    assert data[0]["object"] == {
        "kind": "directory.institution",
        "id": str(partner.pk),
        "repr": "Loma Linda University",
    }
    assert data[0]["changes"]["city"] == {"field": "City", "old": "Loma Linda", "new": "Redlands"}

    search = client.get("/history/", {"actor": world.office.pk, "format": "csv"})
    search_lines = list(csv.reader(io.StringIO(search.content.decode("utf-8-sig"))))
    assert len(search_lines) == 3


def test_history_holds_no_password_hash_token_or_contact_details(world, login, client):
    """Creating a login, changing its password and role, issuing and revoking a token, and
    changing a person's email leave no hash, token or address in any entry; the role
    change and the email change are still recorded."""
    from amity.accounts.services import api_token_revoke, user_create, user_set_role

    user = user_create(
        username="auditor", email="auditor@example.org", password="s3cret pass!", role="staff"
    )
    user.set_password("an0ther pass!")
    user.save()
    user_set_role(user=user, role="office")
    token, raw = api_token_create(user=user, name="nightly export")
    api_token_revoke(token=token)
    person = world.rehab_colleague
    old_email = person.email
    directory_services.person_save(person=person, fields={"email": "min.zhao@example.org"})

    user.refresh_from_db()
    secrets = [user.password, raw, token.key_hash, "min.zhao@example.org", old_email]
    for entry in LogEntry.objects.all():
        stored = json.dumps(
            [entry.changes, entry.changes_text, entry.serialized_data, entry.object_repr],
            ensure_ascii=False,
        )
        for secret in secrets:
            assert secret not in stored, (entry, secret)
    roles = [
        e.changes["role"] for e in LogEntry.objects.get_for_object(user) if "role" in e.changes
    ]
    assert ["staff", "office"] in roles
    email_change = (
        LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.UPDATE).changes
    )
    assert email_change == {"email": ["•••", "•••"]}


@pytest.fixture
def open_lecture(lecture):
    registration_services.registration_settings_save(activity=lecture, fields={"capacity": 100})
    return lecture


def test_history_registration_keeps_no_registrant_data(world, open_lecture):
    """A public registration and its erasure leave no entry naming the registrant; the
    registration settings are recorded, on the activity's history."""
    registration = registration_services.registration_create(
        activity=open_lecture,
        fields={
            "family_name": "Lin",
            "given_name": "Xiaoyu",
            "email": "dr.lin@example.org",
            "time_zone": "Asia/Shanghai",
        },
    ).registration
    registration_services.registration_erase(registration=registration)
    for entry in LogEntry.objects.all():
        stored = json.dumps([entry.changes, entry.serialized_data, entry.object_repr])
        assert "dr.lin@example.org" not in stored
        assert "Xiaoyu" not in stored
    activity_entries = history.entries_for(type(open_lecture), open_lecture.pk)
    settings_entry = activity_entries.get(content_type__model="registrationsettings")
    assert settings_entry.changes["capacity"] == [None, 100]


def test_history_keeps_a_deleted_part_on_its_wholes_page(world, login, cicu):
    """A speaker taken off a session stays on the activity's history as deleted, with the
    office staff member who took them off, although the speaker row is gone."""
    session = cicu.sessions.order_by("starts_at").first()
    speaker = event_services.speaker_add(
        session=session, person=world.partner_contact.person, role="speaker"
    )
    client = login(world.office)
    with history_actor(world.office):
        speaker.delete()
    rows = _page_rows(client.get(_history_url("events.activity", cicu.pk)))
    assert f"{world.office.username} deleted · Speaker: Emily Carter (Speaker)" in rows[0]
    assert "Person : Emily Carter →" in rows[0]
    assert "created · Speaker: Emily Carter (Speaker)" in rows[1]


def test_history_page_names_fields_in_the_readers_language(world, login, partner, settings):
    """Read in Chinese, the history names the changed field by its Chinese name."""
    directory_services.institution_update(institution=partner, fields={"city": "Redlands"})
    client = login(world.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    rows = _page_rows(client.get(_history_url("directory.institution", partner.pk)))
    assert "城市 : Loma Linda → Redlands" in rows[0]
