"""Directory pages. Each view parses input, checks access through ``permissions``, calls
one service or selector, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amity.core.editing import changes_saved, edit_page
from amity.core.forms import formset_rows
from amity.core.paging import page_of, query_without
from amity.directory import permissions, selectors, services
from amity.directory.extensions import institution_sections, person_sections
from amity.directory.forms import (
    DepartmentForm,
    ExperienceFormSet,
    InstitutionFilterForm,
    InstitutionForm,
    MembershipFormSet,
    PersonFilterForm,
    PersonForm,
)
from amity.directory.models import Person

PAGE_SIZE = 25


@login_required
def institution_list(request):
    form = InstitutionFilterForm(
        request.GET or None, country_codes=selectors.institution_countries(user=request.user)
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.InstitutionFilters(
        q=data.get("q", "").strip(),
        kind=data.get("kind", ""),
        country=data.get("country", ""),
        status=data.get("status", ""),
    )
    page = page_of(
        request, selectors.institution_list(user=request.user, filters=filters), PAGE_SIZE
    )
    return render(
        request,
        "directory/institution_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "can_add": permissions.can_manage_institutions(request.user),
        },
    )


@login_required
def institution_detail(request, pk: int):
    institution = permissions.get_institution_for_user(request.user, pk)
    return render(
        request,
        "directory/institution_detail.html",
        {
            "institution": institution,
            "people": selectors.institution_people(user=request.user, institution=institution),
            "members": selectors.society_members(user=request.user, society=institution)
            if institution.kind == "society"
            else [],
            "can_edit": permissions.can_manage_institutions(request.user),
            # What the apps above add: the partner page's agreements, activities,
            # letters, documents and timeline come from relations.
            **institution_sections(request, institution),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_create(request):
    if not permissions.can_manage_institutions(request.user):
        raise PermissionDenied
    return edit_page(
        request,
        form=InstitutionForm(request.POST or None),
        save=lambda data: services.institution_create(fields=data),
        template="directory/institution_form.html",
        success_message=lambda institution: _("Institution “%s” was added.") % institution,
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request, pk: int):
    institution = permissions.get_institution_for_edit(request.user, pk)
    return edit_page(
        request,
        form=InstitutionForm(request.POST or None, instance=institution),
        save=lambda data: services.institution_update(institution=institution, fields=data),
        template="directory/institution_form.html",
        context={"institution": institution},
        success_message=changes_saved,
    )


@login_required
def department_list(request):
    if not permissions.can_browse_departments(request.user):
        raise PermissionDenied
    return render(
        request,
        "directory/department_list.html",
        {
            "departments": selectors.department_list(user=request.user),
            "can_add": permissions.can_manage_departments(request.user),
        },
    )


@login_required
def department_detail(request, pk: int):
    department = permissions.get_department_for_user(request.user, pk)
    filters = selectors.PersonFilters(department=department.pk)
    return render(
        request,
        "directory/department_detail.html",
        {
            "department": department,
            "people": selectors.person_list(user=request.user, filters=filters),
            "can_edit": permissions.can_manage_departments(request.user),
            "can_add_people": permissions.can_edit_person(
                request.user, Person(department=department)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_create(request):
    if not permissions.can_manage_departments(request.user):
        raise PermissionDenied
    return edit_page(
        request,
        form=DepartmentForm(request.POST or None),
        save=lambda data: services.department_create(fields=data),
        template="directory/department_form.html",
        success_message=lambda department: _("Department “%s” was added.") % department,
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, pk: int):
    department = permissions.get_department_for_edit(request.user, pk)
    return edit_page(
        request,
        form=DepartmentForm(request.POST or None, instance=department),
        save=lambda data: services.department_update(department=department, fields=data),
        template="directory/department_form.html",
        context={"department": department},
        success_message=changes_saved,
    )


@login_required
def person_list(request):
    user = request.user
    form = PersonFilterForm(
        request.GET or None,
        institutions=permissions.institutions_visible_to(user).order_by("name"),
        departments=permissions.departments_visible_to(user),
        country_codes=selectors.institution_countries(user=user),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.PersonFilters(
        q=data.get("q", "").strip(),
        institution=data["institution"].pk if data.get("institution") else None,
        department=data["department"].pk if data.get("department") else None,
        country=data.get("country", ""),
        language=data["language"].code if data.get("language") else "",
        abroad=data.get("abroad", False),
    )
    page = page_of(request, selectors.person_list(user=user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "directory/person_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "can_add": permissions.can_add_people(user),
            "show_filters": permissions.can_browse_departments(user),
        },
    )


@login_required
def person_detail(request, pk: int):
    person = permissions.get_person_for_user(request.user, pk)
    return render(
        request,
        "directory/person_detail.html",
        {
            "person": person,
            **selectors.person_detail_relations(person),
            "can_edit": permissions.can_edit_person(request.user, person),
            # What the apps above add, each with its template: a donor's gifts from aid.
            **person_sections(request, person),
        },
    )


@login_required
def my_profile(request):
    person = request.user.person
    if person is None:
        messages.info(request, _("Your login is not linked to a directory entry yet."))
        return redirect("home:home")
    return redirect(person)


def _person_form_page(request, person: Person | None):
    department = permissions.coordinated_department(request.user)
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data, instance=person, coordinated_department=department)
    experiences = ExperienceFormSet(data, instance=person, prefix="experience")
    memberships = MembershipFormSet(data, instance=person, prefix="membership")
    if request.method == "POST" and all(
        [form.is_valid(), experiences.is_valid(), memberships.is_valid()]
    ):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "languages"}
        saved = services.person_save(
            person=person,
            fields=fields,
            languages=form.cleaned_data["languages"],
            experiences=formset_rows(experiences),
            memberships=formset_rows(memberships),
        )
        if person is None:
            messages.success(request, _("%s was added to the directory.") % saved)
        else:
            messages.success(request, _("Changes to %s were saved.") % saved)
        return redirect(saved)
    return render(
        request,
        "directory/person_form.html",
        {"form": form, "experiences": experiences, "memberships": memberships, "person": person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    if not permissions.can_add_people(request.user):
        raise PermissionDenied
    return _person_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = permissions.get_person_for_edit(request.user, pk)
    return _person_form_page(request, person)
