import pytest

from amity.accounts.models import User
from amity.directory.demo import DEMO_PASSWORD, load_demo
from amity.directory.models import Institution, Membership, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return load_demo()


def test_demo_holds_the_people_and_partners_the_seed_names(demo):
    home = Institution.objects.get(partnership_status="home")
    assert home.short_name == "ZCH"
    assert home.name_local == "浙江大学医学院附属儿童医院"
    for name in ["Stanford University", "Loma Linda University", "Boston Children's Hospital"]:
        assert Institution.objects.filter(name=name).exists(), name
    societies = set(Institution.objects.filter(kind="society").values_list("short_name", flat=True))
    assert {"APPES", "IMPE"} <= societies

    fu = Person.objects.get(family_name="Fu", given_name="Junfen")
    assert fu.local_name == "傅君芬"
    assert fu.full_name == "Fu Junfen"
    assert Membership.objects.filter(
        person=fu, society__short_name="APPES", role__icontains="Secretary General"
    ).exists()
    shen = Person.objects.get(family_name="Shen", given_name="Jie")
    assert shen.department.slug == "cardiology"
    assert shen.experiences.filter(institution__name="Boston Children's Hospital").exists()
    assert (
        Person.objects.get(family_name="Li", given_name="Haifeng").department.slug
        == "rehabilitation"
    )
    assert Person.objects.get(family_name="Rosenfeld").institution.name == "Stanford University"
    assert Person.objects.filter(family_name="Dorazio", given_name="Robert").exists()


def test_demo_is_large_enough_for_filters_to_mean_something(demo):
    partners = Institution.objects.partners()
    assert partners.count() >= 40
    assert partners.values("country").distinct().count() >= 25
    assert Person.objects.count() >= 200
    assert demo["people"] == Person.objects.count()


def test_loading_the_demo_twice_duplicates_nothing(demo):
    again = load_demo()
    assert again == demo


def test_demo_logins_have_their_roles_and_the_printed_password(demo):
    roles = {
        u.username: (u.role, u.person.institution.short_name or u.person.institution.name)
        for u in User.objects.all()
    }
    assert roles["office"][0] == "office"
    assert roles["coordinator"] == ("coordinator", "ZCH")
    assert roles["staff"] == ("staff", "ZCH")
    assert roles["partner"][0] == "partner"
    assert User.objects.get(username="partner").person.institution.name == "Loma Linda University"
    assert User.objects.get(username="coordinator").person.department.slug == "rehabilitation"
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
