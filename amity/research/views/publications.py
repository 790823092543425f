"""Research pages of a study's publications — add, edit, remove, download them as BibTeX,
RIS or CSL-JSON for a reference manager — and the research tables as CSV or XLSX
(both written by ``amity.research.exports``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amity.core.editing import changes_saved, confirm_page, edit_page
from amity.research import exports, permissions, selectors, services
from amity.research.forms import PublicationForm
from amity.research.models import Publication


def _publication_to_edit(user, pk: int) -> Publication:
    publication = get_object_or_404(Publication.objects.select_related("study"), pk=pk)
    study = selectors.study_for(user, publication.study_id)
    if not permissions.can_edit_study(user, study):
        raise PermissionDenied
    return publication


@login_required
@require_http_methods(["GET", "POST"])
def publication_add(request, pk: int):
    user = request.user
    study = selectors.study_for(user, pk)
    if not permissions.can_edit_study(user, study):
        raise PermissionDenied
    form = PublicationForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.publication_add(by=user, study=study, **data),
        template="research/publication_form.html",
        context={"study": study, "publication": None},
        success_message=lambda pub: _("“%s” was added to the study's publications.") % pub.title,
        redirect_to=lambda pub: f"{study.get_absolute_url()}#publications",
    )


@login_required
@require_http_methods(["GET", "POST"])
def publication_edit(request, pk: int):
    user = request.user
    publication = _publication_to_edit(user, pk)
    study = publication.study
    form = PublicationForm(request.POST or None, instance=publication)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.publication_update(by=user, publication=publication, **data),
        template="research/publication_form.html",
        context={"study": study, "publication": publication},
        success_message=lambda pub: changes_saved(pub.title),
        redirect_to=lambda pub: f"{study.get_absolute_url()}#publications",
    )


@login_required
@require_http_methods(["GET", "POST"])
def publication_remove(request, pk: int):
    user = request.user
    publication = _publication_to_edit(user, pk)
    study = publication.study
    if request.method == "POST" and request.POST.get("confirm"):
        services.publication_remove(by=user, publication=publication)
        messages.success(request, _("“%s” was removed from the publications.") % publication.title)
        return redirect(f"{study.get_absolute_url()}#publications")
    return confirm_page(
        request,
        question=_("Remove “%s” from the study's publications?") % publication.title,
        yes=_("Yes, remove it"),
        back=study.get_absolute_url(),
    )


@login_required
@require_safe
def publications_export(request, pk: int, fmt: str):
    """The study's publications as a file a reference manager imports (``bibtex``,
    ``ris``, ``csl-json``): whoever reads the study reads its papers."""
    return exports.publications_response(selectors.study_for(request.user, pk), fmt)


@login_required
@require_safe
def export(request, table: str, fmt: str, pk: int | None = None):
    """A research table (studies, sites, enrolment) as CSV or XLSX, of all studies or of
    one, holding only what the user may see."""
    study = selectors.study_for(request.user, pk) if pk is not None else None
    return exports.table_response(table, fmt, user=request.user, study=study)
