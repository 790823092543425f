from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.core.forms import AmityForm
from amity.core.widgets import IsoDateInput
from amity.core.zones import time_zone_names
from amity.scheduling import limits, planner

UTC_WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]


class SiteForm(AmityForm):
    include = forms.BooleanField(label=gettext_lazy("Include"), required=False, initial=True)
    name = forms.CharField(label=gettext_lazy("Site"), max_length=100)
    zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64)
    weight = forms.FloatField(
        label=gettext_lazy("Weight"), min_value=0, max_value=limits.MAX_WEIGHT, initial=1
    )

    def clean_zone(self):
        zone = self.cleaned_data["zone"]
        if zone not in time_zone_names():
            raise forms.ValidationError(_("Unknown time zone."))
        return zone


SiteFormSet = forms.formset_factory(SiteForm, extra=0, min_num=1, max_num=limits.MAX_SITES)


class PlannerForm(AmityForm):
    first_date = forms.DateField(label=gettext_lazy("First week starts"), widget=IsoDateInput())
    weeks = forms.IntegerField(
        label=gettext_lazy("Weeks"), min_value=1, max_value=limits.MAX_WEEKS, initial=52
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day (in UTC)"),
        choices=UTC_WEEKDAYS,
        coerce=int,
        initial=2,
        help_text=gettext_lazy("The call may start at any time of this day in UTC."),
    )
    meeting_minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"),
        min_value=limits.MIN_MEETING_MINUTES,
        max_value=limits.MAX_MEETING_MINUTES,
        initial=60,
    )
    slot_step = forms.TypedChoiceField(
        label=gettext_lazy("Start times every"),
        choices=[(15, gettext_lazy("15 minutes")), (30, gettext_lazy("30 minutes"))],
        coerce=int,
        initial=30,
    )
    never_from = forms.IntegerField(
        label=gettext_lazy("Never between (local hour)"),
        min_value=0,
        max_value=23,
        required=False,
    )
    never_until = forms.IntegerField(
        label=gettext_lazy("and"),
        min_value=1,
        max_value=24,
        required=False,
        help_text=gettext_lazy("e.g. 0 and 5: nobody meets between midnight and 05:00."),
    )
    max_slots = forms.IntegerField(
        label=gettext_lazy("At most this many different times"),
        min_value=1,
        max_value=limits.MAX_DISTINCT_SLOTS,
        required=False,
        help_text=gettext_lazy("Leave empty for no limit; 2 or 3 keeps the series regular."),
    )
    compare_with = forms.CharField(
        label=gettext_lazy("Compare with"),
        required=False,
        initial="04:00 Asia/Shanghai",
        help_text=gettext_lazy("A time on one zone's clock, e.g. 04:00 Asia/Shanghai."),
    )

    def clean_compare_with(self):
        text = self.cleaned_data["compare_with"].strip()
        if text:
            try:
                planner.parse_wall_time(text)
            except ValueError:
                raise forms.ValidationError(
                    _("Write a time and a time zone, e.g. 04:00 Asia/Shanghai.")
                ) from None
        return text

    def clean(self):
        data = super().clean()
        start, end = data.get("never_from"), data.get("never_until")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both hours of the window, or neither."))
        if start is not None and start == end:
            raise forms.ValidationError(_("The window must not start and end at the same hour."))
        return data


def default_first_date(today: date) -> date:
    """The next Wednesday, as the seed call."""
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def build_problem(form: PlannerForm, sites: SiteFormSet) -> planner.Problem:
    """The planning problem the two forms describe (both valid). Raises ValueError with a
    readable message when the combination makes no sense."""
    data = form.cleaned_data
    chosen = [
        planner.Site(name=row["name"], zone=row["zone"], weight=row["weight"])
        for row in (f.cleaned_data for f in sites.forms)
        if row and row.get("include")
    ]
    if not chosen:
        raise ValueError(_("Include at least one site."))
    windows = ()
    if data.get("never_from") is not None:
        windows = ((data["never_from"], data["never_until"]),)
    return planner.Problem(
        sites=tuple(chosen),
        meeting_minutes=data["meeting_minutes"],
        first_date=data["first_date"],
        weeks=data["weeks"],
        allowed_weekdays=frozenset({data["weekday"]}),
        slot_step_minutes=data["slot_step"],
        hard_limits=windows,
        max_distinct_slots=data.get("max_slots"),
    )
