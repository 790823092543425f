"""The JSON API, version 1. Reads go through the same selectors and permission helpers as
the pages, so a partner contact sees exactly what their pages show."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as RequestInvalid

from amity.aid.api import router as aid_router
from amity.api.auth import API_AUTH
from amity.core.schemas import errors_detail
from amity.directory.api import router as directory_router
from amity.directory.schemas import PersonOut
from amity.events.api import router as events_router
from amity.registrations.api import router as registrations_router
from amity.relations.api import router as relations_router
from amity.reports.api import router as reports_router
from amity.research.api import router as research_router
from amity.scheduling.api import router as scheduling_router
from amity.sharing.api import router as sharing_router

api = NinjaAPI(
    title="Amity API",
    version="1",
    description="Directory (institutions, departments, people) and activities with their sessions.",
    auth=API_AUTH,
    urls_namespace="api-1",
)


api.add_router("/", directory_router)
api.add_router("/", events_router)
api.add_router("/", scheduling_router)
api.add_router("/", registrations_router)
api.add_router("/", sharing_router)
api.add_router("/", relations_router)
api.add_router("/", aid_router)
api.add_router("/", research_router)
api.add_router("/", reports_router)


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
        errors.setdefault(".".join(where) or NON_FIELD_ERRORS, []).append(str(message))
    return api.create_response(
        request, {"detail": errors_detail(errors), "errors": errors}, status=422
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(_("Not found."))}, status=404)


class MeOut(Schema):
    username: str
    role: str
    person: PersonOut | None


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request):
    return {
        "username": request.user.username,
        "role": request.user.role,
        "person": request.user.person,
    }
