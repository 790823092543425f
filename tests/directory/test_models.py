import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from amity.directory.models import Experience, Person
from tests.factories import (
    DepartmentFactory,
    HomeInstitutionFactory,
    InstitutionFactory,
    PersonFactory,
    SocietyFactory,
)

pytestmark = pytest.mark.django_db


def test_chinese_name_is_family_name_first_in_both_scripts():
    person = Person(
        family_name="Fu",
        given_name="Junfen",
        family_name_local="傅",
        given_name_local="君芬",
        name_order="family_first",
        title="Dr.",
    )
    assert person.full_name == "Fu Junfen"
    assert person.local_name == "傅君芬"
    assert person.formal_name == "Dr. Fu Junfen"


def test_western_name_is_given_name_first():
    person = Person(family_name="Rosenfeld", given_name="Ron", name_order="given_first")
    assert person.full_name == "Ron Rosenfeld"
    assert person.local_name == ""


def test_chinese_local_name_stays_family_first_even_with_western_latin_order():
    person = Person(
        family_name="Fu",
        given_name="Junfen",
        family_name_local="傅",
        given_name_local="君芬",
        name_order="given_first",
    )
    assert person.full_name == "Junfen Fu"
    assert person.local_name == "傅君芬"


def test_only_one_home_institution_can_exist():
    HomeInstitutionFactory()
    with pytest.raises(IntegrityError):
        InstitutionFactory(name="Another home", partnership_status="home")


def test_two_people_cannot_share_an_email_but_many_can_have_none():
    PersonFactory(email="same@example.org")
    PersonFactory(email="")
    PersonFactory(email="")
    with pytest.raises(ValidationError) as error:
        PersonFactory.build(email="same@example.org", institution=InstitutionFactory()).full_clean()
    assert "Someone in the directory already has this email." in str(error.value)


def test_department_is_only_for_people_of_the_home_hospital():
    person = PersonFactory.build(institution=InstitutionFactory(), department=DepartmentFactory())
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert error.value.message_dict["department"] == [
        "Departments belong to the home hospital; leave it empty for people of other institutions."
    ]


def test_unknown_time_zone_is_refused():
    person = PersonFactory.build(institution=InstitutionFactory(), time_zone="Asia/Beijing")
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "time_zone" in error.value.message_dict


def test_experience_cannot_end_before_it_starts():
    person = PersonFactory()
    experience = Experience(
        person=person, kind="study", place="Boston", country="US", start_year=2018, end_year=2016
    )
    with pytest.raises(ValidationError) as error:
        experience.full_clean()
    assert "The end year cannot be before the start year." in str(error.value)


def test_membership_must_be_in_a_society():
    from amity.directory.models import Membership

    hospital = InstitutionFactory()
    membership = Membership(person=PersonFactory(), society=hospital, role="Member")
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert error.value.message_dict["society"] == ["Choose a society."]
    Membership(person=PersonFactory(), society=SocietyFactory(), role="Member").full_clean()
