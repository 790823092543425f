"""Pages of shared documents and their downloads. Each view parses input, checks access
through ``permissions``, calls one service or selector, and renders or redirects."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amity.core.editing import changes_saved, edit_page
from amity.core.paging import page_of, query_without
from amity.core.ratelimit import client_address
from amity.sharing import downloads, permissions, selectors, services
from amity.sharing.forms import (
    DocumentFilterForm,
    DocumentForm,
    DownloadFilterForm,
    NewDocumentForm,
    VersionForm,
)
from amity.sharing.models import Document, DownloadVia

PAGE_SIZE = 20
LOG_PAGE_SIZE = 50


@login_required
@require_safe
def document_list(request):
    user = request.user
    form = DocumentFilterForm(request.GET or None, topics=selectors.topics_in_use(user=user))
    form.is_valid()  # a filter that does not fit is dropped; the others still apply
    data = getattr(form, "cleaned_data", {})
    filters = selectors.DocumentFilters(
        q=data.get("q", "").strip(),
        tag=data.get("tag", ""),
        kind=data.get("kind", ""),
        language=data.get("language", ""),
    )
    page = page_of(request, selectors.document_list(user=user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "sharing/document_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query_without(request, "page"),
            "can_add": permissions.can_add_documents(user),
            "show_scope": permissions.can_see_sharing_scope(user),
        },
    )


@login_required
@require_safe
def document_detail(request, pk: int):
    user = request.user
    document = permissions.get_document_for_user(user, pk)
    home_staff = permissions.can_see_sharing_scope(user)
    return render(
        request,
        "sharing/document_detail.html",
        {
            "document": document,
            "versions": selectors.document_versions(document),
            "tags": document.tags.order_by("name"),
            "partners": document.partners.order_by("name") if home_staff else [],
            "home_staff": home_staff,
            "can_manage": permissions.can_manage_document(user, document),
            "can_see_log": permissions.can_see_download_log(user),
        },
    )


def _form_fields(cleaned_data: dict) -> tuple[dict, dict]:
    data = dict(cleaned_data)
    related = {
        "tags": list(data.pop("tags", [])),
        "new_tags": data.pop("new_tags", ""),
        "partners": list(data.pop("partners", [])),
    }
    for extra in ("file", "link"):
        data.pop(extra, None)
    return data, related


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    user = request.user
    if not permissions.can_add_documents(user):
        raise PermissionDenied
    departments = permissions.department_choices(user)
    person = user.person
    form = NewDocumentForm(
        request.POST or None,
        request.FILES or None,
        departments=departments,
        max_mb=settings.AMITY_MAX_UPLOAD_MB,
        initial={"department": person.department_id if person else None},
    )

    def save(data: dict) -> Document:
        fields, related = _form_fields(data)
        return services.document_create(
            fields=fields, owner=user, upload=data.get("file"), link=data.get("link", ""), **related
        )

    return edit_page(
        request,
        form=form,
        save=save,
        template="sharing/document_form.html",
        context={"document": None},
        success_message=lambda document: _("“%s” was added.") % document,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    user = request.user
    document = permissions.get_document_for_edit(user, pk)
    departments = permissions.department_choices(user, current=document.department_id)
    form = DocumentForm(request.POST or None, instance=document, departments=departments)

    def save(data: dict) -> Document:
        fields, related = _form_fields(data)
        return services.document_update(document=document, fields=fields, **related)

    return edit_page(
        request,
        form=form,
        save=save,
        template="sharing/document_form.html",
        context={"document": document},
        success_message=changes_saved,
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_add(request, pk: int):
    user = request.user
    document = permissions.get_document_for_edit(user, pk)
    form = VersionForm(
        request.POST or None, request.FILES or None, max_mb=settings.AMITY_MAX_UPLOAD_MB
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.version_add(
            document=document,
            uploaded_by=user,
            note=data["note"],
            upload=data.get("file"),
            link=data.get("link", ""),
        ),
        template="sharing/version_form.html",
        context={"document": document, "next_number": _next_number(document)},
        success_message=lambda version: (
            _("Version %(number)s of “%(title)s” is now the current one.")
            % {"number": version.number, "title": document}
        ),
        redirect_to=lambda version: document,
    )


def _next_number(document: Document) -> int:
    current = document.current_version
    return (current.number if current else 0) + 1


def _download(request, pk: int, number: int | None):
    version = permissions.get_version_for_user(request.user, pk, number)
    response = downloads.response_for(version)
    services.download_record(
        version=version, user=request.user, ip=client_address(request), via=DownloadVia.WEB
    )
    return response


@login_required
@require_safe
def document_download(request, pk: int):
    """The current version of a document, for whoever may see it; logged."""
    return _download(request, pk, None)


@login_required
@require_safe
def version_download(request, pk: int, number: int):
    """Any version of a document, for whoever may see the document; logged."""
    return _download(request, pk, number)


@login_required
@require_safe
def download_log(request):
    permissions.require_download_log(request.user)
    form = DownloadFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.DownloadFilters(
        document=data.get("document"),
        institution=data["institution"].pk if data.get("institution") else None,
        since=data.get("since"),
        until=data.get("until"),
    )
    document = (
        permissions.get_document_for_user(request.user, filters.document)
        if filters.document
        else None
    )
    page = page_of(request, selectors.download_log(filters=filters), LOG_PAGE_SIZE)
    return render(
        request,
        "sharing/download_log.html",
        {
            "form": form,
            "page": page,
            "document": document,
            "query": query_without(request, "page"),
        },
    )
