"""People named on an activity's page (speakers, participants) are linked to their
profiles only for viewers who may open them."""

import pytest
from django.urls import reverse

from amity.events import services

pytestmark = pytest.mark.django_db


def _profile(person) -> str:
    return f'href="{reverse("directory:person_detail", args=[person.pk])}"'


@pytest.fixture
def cicu_with_speaker(world, cicu):
    session = cicu.sessions.order_by("starts_at").first()
    services.speaker_add(session=session, person=world.rehab_colleague, role="speaker")
    return cicu


def test_activity_page_shows_staff_to_a_partner_contact_without_links(
    world, client, cicu_with_speaker
):
    """Loma Linda's contact sees the call's participant Shen Jie and speaker Zhao Min by
    name, with no link to their profiles (which would answer 404)."""
    client.force_login(world.partner_contact)
    page = client.get(cicu_with_speaker.get_absolute_url()).content.decode()
    assert '<span class="person-name">Shen Jie</span>' in page
    assert "Zhao Min" in page
    assert _profile(world.staff.person) not in page
    assert _profile(world.rehab_colleague) not in page


def test_activity_page_links_people_for_staff(world, client, cicu_with_speaker):
    """Office staff open everyone's profile from the activity page."""
    client.force_login(world.office)
    page = client.get(cicu_with_speaker.get_absolute_url()).content.decode()
    assert f'<a {_profile(world.staff.person)}><span class="person-name">Shen Jie</span></a>' in (
        page
    )
    assert f"<a {_profile(world.rehab_colleague)}>Zhao Min</a>" in page


def test_public_lecture_speakers_are_plain_names_for_anonymous_visitors(world, client, lecture):
    """An anonymous visitor of a public lecture reads the speaker's name, not a link."""
    session = lecture.sessions.get()
    services.speaker_add(session=session, person=world.rehab_colleague, role="speaker")
    page = client.get(lecture.get_absolute_url()).content.decode()
    assert "Zhao Min" in page
    assert _profile(world.rehab_colleague) not in page
    assert 'href="#"' not in page
