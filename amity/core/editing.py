"""The create/edit page every app writes the same way: a GET shows the form; a valid POST
calls one service, flashes a message and redirects; an invalid POST, or a service that
refuses with a ``ValidationError``, shows the form again with the errors on it.

The view keeps its shape — parse, check permission, call one service, respond: it builds
the form (after the permission check) and names the service call in ``save``; this module
only runs the request through them. It writes nothing itself.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

T = TypeVar("T")


def form_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names where the form
    has that field, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def changes_saved(obj: object) -> str:
    """The message after an edit page saved ``obj``."""
    return _("Changes to “%s” were saved.") % obj


def edit_page(
    request: HttpRequest,
    *,
    form: BaseForm,
    save: Callable[[dict[str, Any]], T],
    template: str,
    success_message: Callable[[T], str],
    context: Mapping[str, Any] | None = None,
    redirect_to: Callable[[T], Any] | None = None,
) -> HttpResponse:
    """Answer a create or edit page.

    On a POST whose form is valid, ``save(form.cleaned_data)`` calls the service and returns
    what it saved; the user then sees ``success_message(saved)`` on the page
    ``redirect_to(saved)`` leads to (a URL, a URL name or a model; ``saved`` itself when not
    given). Otherwise — a GET, an invalid form, or a ValidationError from the service — the
    ``template`` is rendered with ``form`` and ``context``.
    """
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, success_message(saved))
            return redirect(redirect_to(saved) if redirect_to else saved)
    return render(request, template, {"form": form, **(context or {})})


def confirm_page(
    request: HttpRequest,
    *,
    question: str,
    yes: str,
    back: str,
    warning: str = "",
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The question asked before an action that cannot be taken back: a page whose form
    sends the same request again with ``confirm``, so it works without JavaScript. The
    view acts only when ``request.POST.get("confirm")`` is set."""
    return render(
        request,
        "core/confirm.html",
        {
            "question": question,
            "warning": warning,
            "yes": yes,
            "no": _("No, go back"),
            "back": back,
            "action": request.get_full_path(),
            **(context or {}),
        },
    )
