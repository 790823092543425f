"""The history pages: one object's changes, and a search over all of them.

Office staff only; everyone else gets a 404, as if the pages did not exist (the history
names people and values that a partner or a staff member may not see elsewhere).
"""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from amity.core import history
from amity.core.downloads import content_disposition
from amity.core.forms import AmityForm
from amity.core.paging import page_of, query_without
from amity.core.widgets import IsoDateInput

PER_PAGE = 50
SYSTEM = "system"


def _require_office_staff(request) -> None:
    # The role lives with the logins (amity.accounts); this floor only reads the flag.
    if not getattr(request.user, "is_office_staff", False):
        raise Http404


class HistorySearchForm(AmityForm):
    actor = forms.ChoiceField(label=_("Who"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    until = forms.DateField(
        label=pgettext_lazy("history", "To"), required=False, widget=IsoDateInput
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(str(u.pk), u.get_full_name() or u.get_username()) for u in history.actors()]
        self.fields["actor"].choices = [
            ("", _("Anyone")),
            (SYSTEM, pgettext_lazy("history", "system")),
            *people,
        ]
        self.fields["kind"].choices = [("", _("Everything")), *history.tracked_kinds()]


def _download(entries, *, fmt: str, name: str) -> HttpResponse:
    if fmt == "json":
        response = HttpResponse(history.as_json(entries), content_type="application/json")
        filename = f"{name}.json"
    else:
        response = HttpResponse(history.as_csv(entries), content_type="text/csv; charset=utf-8")
        filename = f"{name}.csv"
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def search(request):
    """Every recorded change, filtered by who, when and what kind, paged; ``?format=csv``
    or ``json`` downloads all that match."""
    _require_office_staff(request)
    form = HistorySearchForm(request.GET or None)
    entries = history.search()
    if form.is_bound and not form.is_valid():
        entries = entries.none()  # a filter that cannot be read finds nothing, not everything
    elif form.is_bound:
        actor = form.cleaned_data["actor"]
        entries = history.search(
            actor_id=int(actor) if actor and actor != SYSTEM else None,
            system=actor == SYSTEM,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
            kind=form.cleaned_data["kind"],
        )
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        stamp = timezone.localdate().isoformat()
        return _download(entries, fmt=fmt, name=f"history-{stamp}")
    page = page_of(request, entries, PER_PAGE)
    return render(
        request,
        "history/search.html",
        {
            "form": form,
            "page": page,
            "rows": history.rows(page.object_list),
            "query": query_without(request, "page", "format"),
        },
    )


@require_safe
def object_history(request, kind: str, pk: int):
    """One object's changes and its parts', newest first; also when the object is gone.
    ``?format=csv`` or ``json`` downloads them all."""
    _require_office_staff(request)
    model = history.tracked_model(kind)
    if model is None:
        raise Http404
    entries = history.entries_for(model, pk)
    instance = model._default_manager.filter(pk=pk).first()
    latest = entries.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
    ).first()
    if instance is None and latest is None:
        raise Http404
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        return _download(entries, fmt=fmt, name=f"history-{model._meta.model_name}-{pk}")
    page = page_of(request, entries, PER_PAGE)
    return render(
        request,
        "history/object.html",
        {
            "kind": model._meta.verbose_name,
            "kind_key": kind,
            "object": instance,
            "object_repr": str(instance) if instance is not None else latest.object_repr,
            "object_url": getattr(instance, "get_absolute_url", lambda: "")(),
            "pk": str(pk),
            "page": page,
            "rows": history.rows(page.object_list),
            "query": query_without(request, "page", "format"),
        },
    )
