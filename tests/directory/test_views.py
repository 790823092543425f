import pytest
from django.urls import reverse

from amity.directory.models import Experience, Institution, Membership, Person
from tests.factories import ExperienceFactory, InstitutionFactory, PersonFactory, SocietyFactory

pytestmark = pytest.mark.django_db


def _names(response, key="page"):
    return [str(obj) for obj in response.context[key]]


def test_institutions_are_searched_by_name_in_either_script_and_filtered(world, client):
    InstitutionFactory(
        name="Bambino Gesù Children's Hospital",
        name_local="Ospedale Pediatrico Bambino Gesù",
        country="IT",
        city="Rome",
        time_zone="Europe/Rome",
        partnership_status="prospective",
    )
    client.force_login(world.staff)
    url = reverse("directory:institution_list")
    assert _names(client.get(url, {"q": "浙江"})) == [world.home.name]
    assert _names(client.get(url, {"q": "pediatrico"})) == ["Bambino Gesù Children's Hospital"]
    assert _names(client.get(url, {"country": "GB"})) == ["Great Ormond Street Hospital"]
    assert _names(client.get(url, {"status": "prospective"})) == [
        "Bambino Gesù Children's Hospital"
    ]
    assert _names(client.get(url, {"kind": "university"})) == ["Loma Linda University"]
    empty = client.get(url, {"q": "no such place"})
    assert "No institution matches these filters." in empty.content.decode()


def test_people_are_found_by_name_institution_language_and_experience_abroad(world, client):
    fu = PersonFactory(
        family_name="Fu",
        given_name="Junfen",
        family_name_local="傅",
        given_name_local="君芬",
        name_order="family_first",
        institution=world.home,
        time_zone="Asia/Shanghai",
        department=world.cardiology,
    )
    ExperienceFactory(person=fu, place="Stanford University")
    client.force_login(world.office)
    url = reverse("directory:person_list")
    assert _names(client.get(url, {"q": "傅君芬"})) == ["Fu Junfen"]
    assert _names(client.get(url, {"q": "junfen fu"})) == ["Fu Junfen"]
    assert _names(client.get(url, {"q": "Loma"})) == ["Emily Carter"]
    assert _names(client.get(url, {"abroad": "on"})) == ["Fu Junfen"]
    assert _names(client.get(url, {"department": world.rehab.pk})) == ["Li Haifeng", "Zhao Min"]
    assert _names(client.get(url, {"country": "GB"})) == ["Oliver Hughes"]


def test_people_list_takes_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    for _ in range(30):
        PersonFactory(institution=world.partner)
    client.force_login(world.office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("directory:person_list"))
    assert len(response.context["page"]) == 25


def test_institution_list_takes_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
):
    for _ in range(30):
        InstitutionFactory()
    client.force_login(world.office)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("directory:institution_list"))
    assert len(response.context["page"]) == 25


def test_office_adds_an_institution_and_sees_clear_errors_first(world, client):
    client.force_login(world.office)
    url = reverse("directory:institution_create")
    bad = client.post(
        url,
        {
            "name": "Loma Linda University",
            "kind": "hospital",
            "country": "XX",
            "time_zone": "Mars/Olympus",
            "partnership_status": "active",
            "website": "not a url",
        },
    )
    body = bad.content.decode()
    assert "Please correct the errors below." in body
    assert "Institution with this Name already exists." in body
    assert "Select a valid choice. XX is not one of the available choices." in body
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in body
    assert "Enter a valid URL." in body
    assert Institution.objects.count() == 3

    good = client.post(
        url,
        {
            "name": "Hospital for Sick Children",
            "name_local": "",
            "kind": "hospital",
            "country": "CA",
            "city": "Toronto",
            "time_zone": "America/Toronto",
            "partnership_status": "active",
            "partner_since": "2019-05-01",
            "website": "www.sickkids.ca",
        },
        follow=True,
    )
    assert "Institution “Hospital for Sick Children” was added." in good.content.decode()
    created = Institution.objects.get(name="Hospital for Sick Children")
    assert created.website == "https://www.sickkids.ca"
    assert str(created.partner_since) == "2019-05-01"


def _person_form_data(**overrides):
    data = {
        "title": "Dr.",
        "given_name": "Ling",
        "family_name": "Zhou",
        "given_name_local": "玲",
        "family_name_local": "周",
        "name_order": "family_first",
        "position": "Speech therapist",
        "email": "zhou.ling@zch.example.cn",
        "phone": "",
        "time_zone": "Asia/Shanghai",
        "bio": "",
        "languages": ["zh", "en"],
        "experience-TOTAL_FORMS": "1",
        "experience-INITIAL_FORMS": "0",
        "experience-0-kind": "study",
        "experience-0-place": "Loma Linda University",
        "experience-0-country": "US",
        "experience-0-start_year": "2017",
        "experience-0-end_year": "2018",
        "membership-TOTAL_FORMS": "0",
        "membership-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_a_person_to_their_own_department(world, client):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("directory:person_create"),
        _person_form_data(institution=world.home.pk, department=world.rehab.pk),
        follow=True,
    )
    assert "Zhou Ling was added to the directory." in response.content.decode()
    person = Person.objects.get(email="zhou.ling@zch.example.cn")
    assert person.local_name == "周玲"
    assert person.department == world.rehab
    assert sorted(person.languages.values_list("code", flat=True)) == ["en", "zh"]
    assert [str(e) for e in person.experiences.all()] == ["Studied: Loma Linda University"]


def test_coordinator_cannot_place_a_person_in_another_department(world, client):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("directory:person_create"),
        _person_form_data(institution=world.home.pk, department=world.cardiology.pk),
    )
    assert (
        "Select a valid choice. That choice is not one of the available choices."
        in response.content.decode()
    )
    assert not Person.objects.filter(email="zhou.ling@zch.example.cn").exists()


def test_invalid_experience_line_keeps_everything_unsaved(world, client):
    client.force_login(world.office)
    response = client.post(
        reverse("directory:person_create"),
        _person_form_data(
            institution=world.home.pk,
            department=world.rehab.pk,
            **{"experience-0-end_year": "2010"},
        ),
    )
    assert "The end year cannot be before the start year." in response.content.decode()
    assert not Person.objects.filter(email="zhou.ling@zch.example.cn").exists()
    assert Experience.objects.count() == 0


def test_editing_replaces_experience_and_memberships(world, client):
    appes = SocietyFactory(name="Asia Pacific Paediatric Endocrine Society", short_name="APPES")
    person = world.rehab_colleague
    ExperienceFactory(person=person)
    client.force_login(world.coordinator)
    data = _person_form_data(
        institution=world.home.pk,
        department=world.rehab.pk,
        email=person.email,
        given_name="Min",
        family_name="Zhao",
        **{
            "experience-INITIAL_FORMS": "0",
            "membership-TOTAL_FORMS": "1",
            "membership-0-society": appes.pk,
            "membership-0-role": "Secretary General",
            "membership-0-since": "2019-01-01",
        },
    )
    response = client.post(reverse("directory:person_edit", args=[person.pk]), data, follow=True)
    assert "Changes to Zhao Min were saved." in response.content.decode()
    assert "Secretary General" in response.content.decode()
    assert [str(e) for e in person.experiences.all()] == ["Studied: Loma Linda University"]
    assert [str(m) for m in Membership.objects.filter(person=person)] == [
        "Secretary General, Asia Pacific Paediatric Endocrine Society"
    ]


def test_partner_contact_sees_only_themselves_in_the_people_list(world, client):
    client.force_login(world.partner_contact)
    response = client.get(reverse("directory:person_list"))
    assert _names(response) == ["Emily Carter"]
    assert "Filter people" not in response.content.decode()
