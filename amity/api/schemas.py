from datetime import date
from typing import Annotated

from ninja import Field, Schema

# Ids are BigAutoField: a number outside their range names nothing, and some databases
# fail on it rather than finding nothing.
ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""An id sent in a filter or a body."""


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


class MeOut(Schema):
    username: str
    role: str
    person: PersonOut | None


class ErrorOut(Schema):
    detail: str
