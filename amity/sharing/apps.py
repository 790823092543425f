from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "amity.sharing"
    verbose_name = _("Experience sharing")

    def ready(self) -> None:
        # History of changes (amity.core.history): who shares what with which partners;
        # a document's history includes its versions (not their extracted text).
        from amity.core.history import track
        from amity.sharing.models import Document, DocumentVersion

        track(Document, m2m=["partners", "tags"], exclude=["current_version"])
        track(DocumentVersion, part_of=("sharing.document", "document"), exclude=["text"])

        # Figures for the reports (amity.core.figures).
        from amity.sharing import figures as report_figures

        report_figures.register()
