"""The shared create/edit page (``amity.core.editing.edit_page``) that every app's
create and edit views answer through."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from amity.core.editing import changes_saved, edit_page

pytestmark = pytest.mark.django_db

TEMPLATE = "directory/department_form.html"


class NameForm(forms.Form):
    name = forms.CharField(label="Name")


def _request(user, method: str = "get", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/departments/new/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_edit_page_get_shows_the_form_and_saves_nothing(world):
    """A GET renders the page with the empty form and the extra context; the service is
    not called."""
    calls = []
    response = edit_page(
        _request(world.office),
        form=NameForm(None),
        save=calls.append,
        template=TEMPLATE,
        context={"department": None},
        success_message=changes_saved,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert calls == []
    assert "<h1>Add department</h1>" in body
    assert 'name="name"' in body
    assert "Please correct the errors below." not in body


def test_edit_page_valid_post_saves_then_says_so_and_redirects(world):
    """A valid POST hands the cleaned data to ``save`` once, flashes the message about what
    it saved and redirects where ``redirect_to`` says."""
    calls = []

    def save(data):
        calls.append(data)
        return "Rehabilitation"

    request = _request(world.office, "post", {"name": "Rehabilitation"})
    response = edit_page(
        request,
        form=NameForm(request.POST),
        save=save,
        template=TEMPLATE,
        success_message=changes_saved,
        redirect_to=lambda saved: "/departments/",
    )
    assert calls == [{"name": "Rehabilitation"}]
    assert (response.status_code, response["Location"]) == (302, "/departments/")
    assert [str(m) for m in get_messages(request)] == ["Changes to “Rehabilitation” were saved."]


def test_edit_page_invalid_post_shows_the_errors_and_saves_nothing(world):
    """An invalid form is shown again with its errors; the service is not called."""
    calls = []
    request = _request(world.office, "post", {"name": ""})
    response = edit_page(
        request,
        form=NameForm(request.POST),
        save=calls.append,
        template=TEMPLATE,
        success_message=changes_saved,
    )
    body = response.content.decode()
    assert calls == []
    assert response.status_code == 200
    assert "Please correct the errors below." in body
    assert "This field is required." in body
    assert list(get_messages(request)) == []


def test_edit_page_service_refusal_goes_on_the_form(world):
    """A ValidationError from the service is shown on the field it names, and above the
    form for a field the form does not have; nothing is flashed, nothing redirects."""

    def save(data):
        raise ValidationError({"name": "That name is taken.", "activity": "That plan is closed."})

    request = _request(world.office, "post", {"name": "Rehabilitation"})
    form = NameForm(request.POST)
    response = edit_page(
        request, form=form, save=save, template=TEMPLATE, success_message=changes_saved
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert form.errors == {"name": ["That name is taken."], "__all__": ["That plan is closed."]}
    assert "That name is taken." in body
    assert "That plan is closed." in body
    assert list(get_messages(request)) == []
