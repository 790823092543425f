"""Pages of the external-course catalogue. Each view parses input, checks access through
``permissions``, calls one service or selector, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amity.core.editing import changes_saved, edit_page
from amity.core.paging import page_of, query_without
from amity.directory.permissions import coordinated_department, departments_visible_to
from amity.learning import permissions, selectors, services
from amity.learning.forms import CompletionForm, CourseFilterForm, CourseForm
from amity.learning.models import CourseCompletion, ExternalCourse

PAGE_SIZE = 25


@login_required
def course_list(request):
    user = request.user
    if not permissions.can_browse_courses(user):
        raise PermissionDenied
    form = CourseFilterForm(
        request.GET or None,
        departments=departments_visible_to(user).order_by("name"),
        providers=selectors.course_providers(user=user),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CourseFilters(
        q=data.get("q", "").strip(),
        audience=data.get("audience", ""),
        department=data["department"].pk if data.get("department") else None,
        provider=data.get("provider", ""),
    )
    courses = selectors.course_list(user=user, filters=filters)
    page = page_of(request, courses, PAGE_SIZE)
    return render(
        request,
        "learning/course_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "can_add": permissions.can_add_courses(user),
        },
    )


def _detail_page(request, course: ExternalCourse, completion_form: CompletionForm | None = None):
    user = request.user
    person = user.person
    completions = list(selectors.course_completions(course=course))
    mine = next((c for c in completions if person and c.person_id == person.pk), None)
    can_record = permissions.can_record_completion(user)
    if can_record and completion_form is None:
        completion_form = CompletionForm(instance=mine)
    return render(
        request,
        "learning/course_detail.html",
        {
            "course": course,
            "completion_count": len(completions),
            "completions": completions if permissions.can_see_completers(user) else [],
            "my_completion": mine,
            "can_record": can_record,
            "completion_form": completion_form,
            "can_edit": permissions.can_edit_course(user, course),
        },
    )


@login_required
def course_detail(request, pk: int):
    return _detail_page(request, permissions.get_course_for_user(request.user, pk))


def _course_form(request, course: ExternalCourse | None) -> CourseForm:
    department = coordinated_department(request.user)
    return CourseForm(request.POST or None, instance=course, coordinated_department=department)


def _course_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "languages"}


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    if not permissions.can_add_courses(request.user):
        raise PermissionDenied
    return edit_page(
        request,
        form=_course_form(request, None),
        save=lambda data: services.course_create(
            fields=_course_fields(data), languages=data["languages"]
        ),
        template="learning/course_form.html",
        context={"course": None},
        success_message=lambda course: _("“%s” was added to the catalogue.") % course,
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = permissions.get_course_for_edit(request.user, pk)
    return edit_page(
        request,
        form=_course_form(request, course),
        save=lambda data: services.course_update(
            course=course, fields=_course_fields(data), languages=data["languages"]
        ),
        template="learning/course_form.html",
        context={"course": course},
        success_message=changes_saved,
    )


@login_required
@require_POST
def completion_record(request, pk: int):
    course = permissions.get_course_for_user(request.user, pk)
    if not permissions.can_record_completion(request.user):
        raise PermissionDenied
    person = request.user.person
    existing = selectors.completion_for(course=course, person=person)
    form = CompletionForm(
        request.POST, instance=existing or CourseCompletion(course=course, person=person)
    )
    if not form.is_valid():
        return _detail_page(request, course, completion_form=form)
    services.completion_record(
        course=course,
        person=person,
        completed_on=form.cleaned_data["completed_on"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("Recorded: you completed “%s”.") % course)
    return redirect(course)


@login_required
@require_POST
def completion_undo(request, pk: int):
    course = permissions.get_course_for_user(request.user, pk)
    if not permissions.can_record_completion(request.user):
        raise PermissionDenied
    if services.completion_remove(course=course, person=request.user.person):
        messages.success(request, _("“%s” is no longer recorded as completed.") % course)
    else:
        messages.info(request, _("You had not recorded “%s” as completed.") % course)
    return redirect(course)
