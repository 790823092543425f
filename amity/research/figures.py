"""Joint research's figures for the reports (amity.core.figures), and enrolment at a partner's
site as a kind of exchange."""

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from amity.core import figures
from amity.core.figures import Figure, Item, Period
from amity.directory.models import PartnershipStatus
from amity.research.models import Enrolment, Study


def enrolments(period: Period) -> QuerySet[Enrolment]:
    """Monthly enrolment counts above zero for months beginning within the period."""
    return Enrolment.objects.filter(month__gte=period.start, month__lte=period.end, count__gt=0)


def studies_enrolling(period: Period) -> QuerySet[Study]:
    return Study.objects.filter(Exists(enrolments(period).filter(site__study=OuterRef("pk"))))


def partner_sites_enrolling(period: Period) -> set[int]:
    return set(
        enrolments(period)
        .order_by()
        .exclude(site__institution__partnership_status=PartnershipStatus.HOME)
        .values_list("site__institution_id", flat=True)
        .distinct()
    )


def _items(period: Period) -> list[Item]:
    totals = {
        study_id: (n, sites)
        for study_id, n, sites in enrolments(period)
        .order_by()
        .values_list("site__study_id")
        .annotate(n=Sum("count"), sites=Count("site_id", distinct=True))
    }
    return [
        Item(
            label=study.display_title,
            url=study.get_absolute_url(),
            cells=(study.get_status_display(), totals[study.pk][0], totals[study.pk][1]),
        )
        for study in studies_enrolling(period).order_by("title", "pk")
    ]


def register() -> None:
    figures.register_engagement("research", _("joint research"), partner_sites_enrolling)
    figures.register(
        Figure(
            key="research.studies_enrolling",
            section="research",
            label=_("Studies with enrolment"),
            definition=_(
                "A joint study counts when at least one of its sites entered enrolment above "
                "zero for a month beginning within the period."
            ),
            count=lambda period: studies_enrolling(period).count(),
            list_items=_items,
            columns=(_("Status"), _("Participants enrolled"), _("Sites enrolling")),
        ),
    )
