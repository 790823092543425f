"""What the reports app stores itself: only the office's own words. Every figure is computed
from the domains' data when asked (``amity.core.figures``); nothing here copies it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AnnualNarrative(models.Model):
    """The office's short text for one section of one year's annual report, in both
    languages. Its Meta also declares ``reports.view_reports``: who may read the reports
    besides office staff (hospital leaders, through a group)."""

    year = models.PositiveSmallIntegerField(_("year"))
    section = models.CharField(_("section"), max_length=40)
    text_en = models.TextField(_("text in English"), blank=True)
    text_zh = models.TextField(_("text in Chinese"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("annual report text")
        verbose_name_plural = _("annual report texts")
        ordering = ["year", "section"]
        permissions = [("view_reports", _("Can see the reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "section"], name="reports_narrative_year_section"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2999), name="reports_narrative_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.section}"
