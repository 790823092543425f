"""The JSON API, version 1. Reads go through the same selectors and permission helpers as
the pages, so a partner contact sees exactly what their pages show."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError as RequestInvalid
from ninja.pagination import paginate

from amity.api.auth import API_AUTH
from amity.api.paging import Pages
from amity.api.schemas import DepartmentOut, ErrorOut, Id, InstitutionOut, MeOut, PersonOut
from amity.core.schemas import FilterSchema
from amity.directory import permissions, selectors
from amity.events.api import router as events_router
from amity.registrations.api import router as registrations_router
from amity.relations.api import router as relations_router
from amity.scheduling.api import router as scheduling_router
from amity.sharing.api import router as sharing_router

api = NinjaAPI(
    title="Amity API",
    version="1",
    description="Directory (institutions, departments, people) and activities with their sessions.",
    auth=API_AUTH,
    urls_namespace="api-1",
)


api.add_router("/", events_router)
api.add_router("/", scheduling_router)
api.add_router("/", registrations_router)
api.add_router("/", sharing_router)
api.add_router("/", relations_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(
        request, {"detail": str(_("You do not have permission to do this."))}, status=403
    )


@api.exception_handler(RequestInvalid)
def request_invalid(request, exc):
    """Input that does not fit the schema gets the same 422 as input a service refuses:
    a sentence to read in ``detail`` and the messages by field in ``errors``."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        # ("body", "payload", "move_to", "date") → "move_to.date"; ("query", "page") → "page"
        where = [str(part) for part in error["loc"][1:] if part != "payload"]
        message = _("Unknown field.") if error["type"] == "extra_forbidden" else error["msg"]
        errors.setdefault(".".join(where) or "__all__", []).append(str(message))
    detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(_("Not found."))}, status=404)


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


@api.get("/institutions", response=list[InstitutionOut], tags=["directory"])
@paginate(Pages, page_size=50)
def list_institutions(request, filters: Query[InstitutionQuery]):
    return selectors.institution_list(
        user=request.user, filters=selectors.InstitutionFilters(**filters.dict())
    )


@api.get(
    "/institutions/{institution_id}",
    response={200: InstitutionOut, 404: ErrorOut},
    tags=["directory"],
)
def get_institution(request, institution_id: int):
    return permissions.get_institution_for_user(request.user, institution_id)


@api.get("/departments", response={200: list[DepartmentOut], 403: ErrorOut}, tags=["directory"])
def list_departments(request):
    if not permissions.can_browse_departments(request.user):
        raise PermissionDenied
    return selectors.department_list(user=request.user)


@api.get(
    "/departments/{department_id}",
    response={200: DepartmentOut, 403: ErrorOut, 404: ErrorOut},
    tags=["directory"],
)
def get_department(request, department_id: int):
    return permissions.get_department_for_user(request.user, department_id)


@api.get("/people", response=list[PersonOut], tags=["directory"])
@paginate(Pages, page_size=50)
def list_people(request, filters: Query[PersonQuery]):
    return selectors.person_list(
        user=request.user, filters=selectors.PersonFilters(**filters.dict())
    )


@api.get("/people/{person_id}", response={200: PersonOut, 404: ErrorOut}, tags=["directory"])
def get_person(request, person_id: int):
    return permissions.get_person_for_user(request.user, person_id)


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request):
    return {
        "username": request.user.username,
        "role": request.user.role,
        "person": request.user.person,
    }
