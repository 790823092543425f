"""Learning's figure for the reports (amity.core.figures)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.core.figures import Figure, Item, Period
from amity.learning.models import CourseCompletion


def completions(period: Period) -> QuerySet[CourseCompletion]:
    return CourseCompletion.objects.filter(
        completed_on__gte=period.start, completed_on__lte=period.end
    )


def _items(period: Period) -> list[Item]:
    rows = completions(period).select_related("course", "person").order_by("completed_on", "pk")
    return [
        Item(
            label=row.person.full_name,
            url=row.course.get_absolute_url(),
            cells=(in_reader_language(row.course.title, row.course.title_local), row.completed_on),
        )
        for row in rows
    ]


def register() -> None:
    figures.register(
        Figure(
            key="learning.completions",
            section="learning",
            label=_("Courses completed"),
            definition=_(
                "One completion of a recommended course from abroad recorded for a person, "
                "by the day it was completed within the period."
            ),
            count=lambda period: completions(period).count(),
            list_items=_items,
            columns=(_("Course"), _("Completed on")),
        ),
    )
