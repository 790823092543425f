"""How the JSON API shows the directory's institutions, departments and people; other
apps' APIs refer to them with the short ``…Ref`` forms."""

from datetime import date

from ninja import Schema


class InstitutionOut(Schema):
    id: int
    name: str
    name_local: str
    short_name: str
    kind: str
    country: str
    city: str
    time_zone: str
    website: str
    partnership_status: str
    partner_since: date | None
    url: str

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class DepartmentOut(Schema):
    id: int
    name: str
    name_local: str
    slug: str
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class InstitutionRef(Schema):
    id: int
    name: str


class DepartmentRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    full_name: str
    local_name: str
    family_name: str
    given_name: str
    family_name_local: str
    given_name_local: str
    name_order: str
    title: str
    position: str
    email: str
    time_zone: str
    institution: InstitutionRef
    department: DepartmentRef | None
    languages: list[str]
    url: str

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return [language.code for language in obj.languages.all()]

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())
