"""What the apps above the directory add to its pages.

The directory sits below the apps that work with partners (relations, and later aid and
research), so it cannot import them. Instead each of them registers, in its ``ready()``,
a function that returns the context its part of an institution's page needs; the
institution page calls them all. Adding a section to the partner page never edits the
directory.
"""

from collections.abc import Callable

from django.http import HttpRequest

from amity.directory.models import Institution

InstitutionSection = Callable[[HttpRequest, Institution], dict]

_institution_sections: list[InstitutionSection] = []


def register_institution_section(section: InstitutionSection) -> InstitutionSection:
    """Add ``section(request, institution) -> context`` to every institution page."""
    if section not in _institution_sections:
        _institution_sections.append(section)
    return section


def institution_sections(request: HttpRequest, institution: Institution) -> dict:
    """The context of every registered section, for one institution's page."""
    context: dict = {}
    for section in _institution_sections:
        context.update(section(request, institution))
    return context
