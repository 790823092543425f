"""The directory in the JSON API: institutions, departments and people, read through the
same selectors and permission helpers as the pages."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router
from ninja.pagination import paginate

from amity.core.schemas import ErrorOut, FilterSchema, Id, Pages
from amity.directory import permissions, selectors
from amity.directory.schemas import DepartmentOut, InstitutionOut, PersonOut

router = Router(tags=["directory"])


class InstitutionQuery(FilterSchema):
    q: str = ""
    kind: str = ""
    country: str = ""
    status: str = ""


class PersonQuery(FilterSchema):
    q: str = ""
    institution: Id | None = None
    department: Id | None = None
    country: str = ""
    language: str = ""
    abroad: bool = False


@router.get("/institutions", response=list[InstitutionOut], tags=["directory"])
@paginate(Pages, page_size=50)
def list_institutions(request, filters: Query[InstitutionQuery]):
    return selectors.institution_list(
        user=request.user, filters=selectors.InstitutionFilters(**filters.dict())
    )


@router.get(
    "/institutions/{institution_id}",
    response={200: InstitutionOut, 404: ErrorOut},
    tags=["directory"],
)
def get_institution(request, institution_id: int):
    return permissions.get_institution_for_user(request.user, institution_id)


@router.get("/departments", response={200: list[DepartmentOut], 403: ErrorOut}, tags=["directory"])
def list_departments(request):
    if not permissions.can_browse_departments(request.user):
        raise PermissionDenied
    return selectors.department_list(user=request.user)


@router.get(
    "/departments/{department_id}",
    response={200: DepartmentOut, 403: ErrorOut, 404: ErrorOut},
    tags=["directory"],
)
def get_department(request, department_id: int):
    return permissions.get_department_for_user(request.user, department_id)


@router.get("/people", response=list[PersonOut], tags=["directory"])
@paginate(Pages, page_size=50)
def list_people(request, filters: Query[PersonQuery]):
    return selectors.person_list(
        user=request.user, filters=selectors.PersonFilters(**filters.dict())
    )


@router.get("/people/{person_id}", response={200: PersonOut, 404: ErrorOut}, tags=["directory"])
def get_person(request, person_id: int):
    return permissions.get_person_for_user(request.user, person_id)
