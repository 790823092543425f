"""``{% person_link person %}``: a person's name, linked to their profile only when the
viewer may open it (``permissions.can_open_person``), as plain text otherwise. Every page
that names people links them through this tag, so no page offers a link that answers
404 (a partner contact never sees links to staff profiles). ``{% institution_link %}``
and ``{% department_link %}`` do the same for institutions, societies and departments."""

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template.loader import get_template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from amity.directory.permissions import (
    can_browse_departments,
    can_open_institution,
    can_open_person,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def person_link(context, person, text=None) -> str:
    """The name as ``includes/name.html`` writes it (or ``text``, escaped), in a link to
    the profile when the viewer (``user`` in the context) may open it."""
    if person is None:
        return ""
    if text is None:
        # The template escaped the names; stripping its final newline keeps it safe.
        rendered = get_template("includes/name.html").render({"person": person})
        label = mark_safe(rendered.strip())  # noqa: S308
    else:
        label = conditional_escape(text)
    viewer = context.get("user") or AnonymousUser()
    if can_open_person(viewer, person):
        return format_html('<a href="{}">{}</a>', person.get_absolute_url(), label)
    return label


def _linked(allowed: bool, url: str, label: str) -> str:
    if allowed:
        return format_html('<a href="{}">{}</a>', url, label)
    return conditional_escape(label)


@register.simple_tag(takes_context=True)
def institution_link(context, institution, text=None) -> str:
    """The institution's name (or ``text``), linked when the viewer may open its page."""
    if institution is None:
        return ""
    viewer = context.get("user") or AnonymousUser()
    label = institution.name if text is None else text
    return _linked(can_open_institution(viewer, institution), institution.get_absolute_url(), label)


@register.simple_tag(takes_context=True)
def department_link(context, department) -> str:
    """The department's name in the reader's language, linked for those who may browse
    departments."""
    if department is None:
        return ""
    viewer = context.get("user") or AnonymousUser()
    return _linked(
        can_browse_departments(viewer), department.get_absolute_url(), department.display_name
    )
