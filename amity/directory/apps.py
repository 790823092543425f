from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "amity.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        # History of changes (amity.core.history). A person's email and phone are recorded
        # as changed, never with their values: the history keeps no contact details.
        from amity.core.history import track
        from amity.directory.models import Department, Experience, Institution, Membership, Person

        track(Institution)
        track(Department)
        track(Person, m2m=["languages"], hidden=["email", "phone"])
        track(Experience, part_of=("directory.person", "person"))
        track(Membership, part_of=("directory.person", "person"))

        # Figures for the reports (amity.core.figures).
        from amity.directory import figures as report_figures

        report_figures.register()
