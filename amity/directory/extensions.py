"""What the apps above the directory add to its pages.

The directory sits below the apps that work with partners (relations, and later aid and
research), so it cannot import them. Instead each of them registers, in its ``ready()``,
a function that returns the context its part of an institution's page needs; the
institution page calls them all. Adding a section to the partner page never edits the
directory.

A person's page works the same way, and also includes the template each section names
(a donor's gifts come from aid): a section that returns an empty context is left out.
"""

from collections.abc import Callable

from django.http import HttpRequest

from amity.directory.models import Institution, Person

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


PersonSection = Callable[[HttpRequest, Person], dict]

_person_sections: list[tuple[PersonSection, str]] = []


def register_person_section(section: PersonSection, *, template: str) -> PersonSection:
    """Add ``section(request, person) -> context`` to every person's page, shown with
    ``template`` whenever the context it returns is not empty."""
    if all(registered is not section for registered, _ in _person_sections):
        _person_sections.append((section, template))
    return section


def person_sections(request: HttpRequest, person: Person) -> dict:
    """The context of every registered section for one person's page, and under
    ``person_section_templates`` the templates of those with something to show."""
    context: dict = {}
    templates: list[str] = []
    for section, template in _person_sections:
        part = section(request, person)
        if part:
            context.update(part)
            templates.append(template)
    context["person_section_templates"] = templates
    return context
