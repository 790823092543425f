import factory
from factory.django import DjangoModelFactory

from amity.accounts.models import Role, User
from amity.directory.models import (
    Department,
    Experience,
    Institution,
    InstitutionKind,
    Membership,
    PartnershipStatus,
    Person,
)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Partner Hospital {n}")
    kind = InstitutionKind.HOSPITAL
    country = "US"
    city = "Boston"
    time_zone = "America/New_York"
    partnership_status = PartnershipStatus.ACTIVE


class HomeInstitutionFactory(InstitutionFactory):
    class Meta:
        model = Institution
        django_get_or_create = ["name"]

    name = "Children's Hospital of Zhejiang University School of Medicine"
    name_local = "浙江大学医学院附属儿童医院"
    short_name = "ZCH"
    country = "CN"
    city = "Hangzhou"
    time_zone = "Asia/Shanghai"
    partnership_status = PartnershipStatus.HOME


class SocietyFactory(InstitutionFactory):
    name = factory.Sequence(lambda n: f"Paediatric Society {n}")
    kind = InstitutionKind.SOCIETY


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    family_name = factory.Sequence(lambda n: f"Family{n}")
    given_name = "Alex"
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    institution = factory.SubFactory(InstitutionFactory)
    time_zone = "America/New_York"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.STAFF
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.OFFICE_STAFF)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ExperienceFactory(DjangoModelFactory):
    class Meta:
        model = Experience

    person = factory.SubFactory(PersonFactory)
    kind = Experience.Kind.FELLOWSHIP
    place = "Boston Children's Hospital"
    country = "US"
    start_year = 2015
    end_year = 2016


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    society = factory.SubFactory(SocietyFactory)
    role = "Member"
