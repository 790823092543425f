"""Links to people: a name is linked to the profile only when the viewer may open it;
anyone else reads the name as plain text (never a link that answers 404)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse

from amity.directory.permissions import can_open_person, people_visible_to

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "office", "coordinator", "staff", "partner"]


def _render(user, person, text: str | None = None) -> str:
    source = (
        "{% load people %}{% person_link person text %}"
        if text
        else ("{% load people %}{% person_link person %}")
    )
    return Template(source).render(
        Context({"user": user or AnonymousUser(), "person": person, "text": text})
    )


@pytest.mark.parametrize("role", ROLES)
def test_can_open_person_agrees_with_the_profiles_the_viewer_may_open(world, role):
    """The link rule is the profile page's rule (``people_visible_to``), for every role."""
    user = world.user(role) or AnonymousUser()
    people = [
        world.staff.person,
        world.coordinator.person,
        world.rehab_colleague,
        world.partner_contact.person,
        world.other_partner_contact,
    ]
    visible = set(people_visible_to(user).values_list("pk", flat=True))
    assert {p.pk for p in people if can_open_person(user, p)} == {
        p.pk for p in people if p.pk in visible
    }


def test_person_link_links_a_staff_profile_for_staff_only(world):
    """Staff read Shen Jie's name as a link to his profile; a partner contact and an
    anonymous visitor read the same name without a link."""
    shen = world.staff.person
    url = reverse("directory:person_detail", args=[shen.pk])
    assert _render(world.office, shen) == (
        f'<a href="{url}"><span class="person-name">Shen Jie</span></a>'
    )
    assert _render(world.partner_contact, shen) == '<span class="person-name">Shen Jie</span>'
    assert _render(None, shen) == '<span class="person-name">Shen Jie</span>'


def test_person_link_takes_the_text_to_show_and_escapes_it(world):
    """A partner contact's own profile is linked for them; the text given is escaped."""
    emily = world.partner_contact.person
    url = reverse("directory:person_detail", args=[emily.pk])
    assert _render(world.partner_contact, emily, "Dr. <Emily>") == (
        f'<a href="{url}">Dr. &lt;Emily&gt;</a>'
    )
    assert _render(world.other_partner_contact.user, emily, "Dr. <Emily>") == "Dr. &lt;Emily&gt;"


def test_a_partner_contacts_own_profile_links_only_what_they_may_open(world, client):
    """On her own profile a partner contact reads her institution as a link (she may open
    it), but the society she belongs to, the hospital she trained at and no department are
    linked: each of those pages would answer 404 to her. Office staff get every link."""
    from amity.directory.models import Experience
    from tests.factories import MembershipFactory, SocietyFactory

    emily = world.partner_contact.person
    society = SocietyFactory(name="Asia Pacific Paediatric Endocrine Society", short_name="APPES")
    MembershipFactory(person=emily, society=society, role="Member")
    Experience.objects.create(
        person=emily,
        kind="training",
        institution=world.home,
        country="CN",
        start_year=2019,
    )
    url = reverse("directory:person_detail", args=[emily.pk])

    client.force_login(world.partner_contact)
    own = client.get(url).content.decode()
    client.force_login(world.office)
    office = client.get(url).content.decode()

    partner_link = f'href="{world.partner.get_absolute_url()}"'
    hidden = [f'href="{society.get_absolute_url()}"', f'href="{world.home.get_absolute_url()}"']
    assert partner_link in own and "APPES" in own and "Zhejiang University" in own
    assert not [link for link in hidden if link in own]
    assert partner_link in office and all(link in office for link in hidden)
