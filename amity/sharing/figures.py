"""The shared documents' figures for the reports (amity.core.figures), and downloads as a
kind of exchange with partners."""

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.core.figures import Breakdown, Figure, Item, Period, breakdown_of
from amity.directory.models import PartnershipStatus
from amity.sharing.models import Document, DocumentVersion, DownloadLog, Scope


def documents_shared(period: Period) -> QuerySet[Document]:
    """Documents open to partners (all, or chosen ones) with a version put up in the period."""
    return Document.objects.exclude(scope=Scope.INTERNAL).filter(
        Exists(
            DocumentVersion.objects.filter(
                document=OuterRef("pk"),
                uploaded_at__gte=period.start_at,
                uploaded_at__lt=period.stop_at,
            )
        )
    )


def partner_downloads(period: Period) -> QuerySet[DownloadLog]:
    """Downloads in the period by people of a partner institution (not the hospital's own)."""
    return DownloadLog.objects.filter(
        at__gte=period.start_at, at__lt=period.stop_at, institution__isnull=False
    ).exclude(institution__partnership_status=PartnershipStatus.HOME)


def institutions_downloading(period: Period) -> set[int]:
    # order_by(): without it the model's ordering joins the DISTINCT and nothing is merged.
    return set(
        partner_downloads(period).order_by().values_list("institution_id", flat=True).distinct()
    )


def _document_items(period: Period) -> list[Item]:
    rows = documents_shared(period).order_by("title", "pk")
    return [
        Item(
            label=document.display_title,
            url=document.get_absolute_url(),
            cells=(document.get_kind_display(), document.get_scope_display()),
        )
        for document in rows
    ]


def _download_items(period: Period) -> list[Item]:
    rows = (
        partner_downloads(period)
        .select_related("document", "institution", "version")
        .order_by("at", "pk")
    )
    return [
        Item(
            label=row.document.display_title,
            url=row.document.get_absolute_url(),
            cells=(
                in_reader_language(row.institution.name, row.institution.name_local),
                countries.name(row.institution.country),
                row.version.number,
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M"),
            ),
        )
        for row in rows
    ]


def _download_breakdown(period: Period) -> list[Breakdown]:
    rows = (
        partner_downloads(period)
        .order_by()
        .values_list("institution__country")
        .annotate(n=Count("pk"))
    )
    return [breakdown_of(_("By country"), rows, label=countries.name, dimension="country")]


def register() -> None:
    figures.register_engagement("sharing", _("documents"), institutions_downloading)
    figures.register(
        Figure(
            key="sharing.documents_shared",
            section="depth",
            label=_("Documents shared with partners"),
            definition=_(
                "A document counts as shared when it is open to partner institutions (all or "
                "chosen ones) and a version of it was put up in the period."
            ),
            count=lambda period: documents_shared(period).count(),
            list_items=_document_items,
            columns=(_("Kind"), _("Shared with")),
        ),
        Figure(
            key="sharing.partner_downloads",
            section="depth",
            label=_("Downloads by partners"),
            definition=_(
                "Each download or opened link of a shared document, in the period, by a person "
                "of a partner institution."
            ),
            count=lambda period: partner_downloads(period).count(),
            list_items=_download_items,
            columns=(_("Institution"), _("Country"), _("Version"), _("When")),
            breakdown=_download_breakdown,
        ),
    )
