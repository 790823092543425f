from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.core.forms import AmityForm
from amity.core.widgets import IsoDateInput
from amity.core.zones import time_zone_names
from amity.scheduling import holidays, limits, planner
from amity.scheduling.options import CallRequest, History, PlanRequest, SiteRequest

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

    country = forms.CharField(
        label=gettext_lazy("Country"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("Two letters, e.g. CN, US, IT, GB: public holidays come from it."),
    )
    subdivision = forms.CharField(
        label=gettext_lazy("Region"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("Where holidays differ by state or region, e.g. MA or RM."),
    )
    night_limit = forms.IntegerField(
        label=gettext_lazy("Nights at most"),
        min_value=0,
        max_value=limits.MAX_WEEKS,
        required=False,
    )
    add_dates = forms.CharField(label=gettext_lazy("Also days off"), max_length=500, required=False)
    remove_dates = forms.CharField(
        label=gettext_lazy("Not days off"), max_length=500, required=False
    )
    joins = forms.BooleanField(label=gettext_lazy("Joins now"), required=False)

    def clean_zone(self):
        zone = self.cleaned_data["zone"]
        if zone not in time_zone_names():
            raise forms.ValidationError(_("Unknown time zone."))
        return zone

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and not holidays.is_supported(country):
            raise forms.ValidationError(_("The holiday calendar does not know this country."))
        return country

    def clean_add_dates(self):
        return _dates(self.cleaned_data["add_dates"])

    def clean_remove_dates(self):
        return _dates(self.cleaned_data["remove_dates"])

    def clean(self):
        data = super().clean()
        country, subdivision = data.get("country"), (data.get("subdivision") or "").strip()
        if subdivision and not country:
            self.add_error("subdivision", _("Give the country first."))
        elif subdivision and subdivision.upper() not in holidays.subdivisions(country):
            self.add_error(
                "subdivision",
                _("Not a region of this country in the holiday calendar, e.g. %(examples)s.")
                % {"examples": ", ".join(holidays.subdivisions(country)[:4])},
            )
        else:
            data["subdivision"] = subdivision.upper()
        return data


def _dates(text: str) -> tuple[date, ...]:
    """Dates written as YYYY-MM-DD, separated by commas or spaces."""
    found = []
    for part in text.replace(",", " ").replace("，", " ").split():
        try:
            found.append(date.fromisoformat(part))
        except ValueError:
            raise forms.ValidationError(
                _("Write dates as YYYY-MM-DD, separated by commas, not %(text)s.") % {"text": part}
            ) from None
    return tuple(sorted(set(found)))


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

    holidays = forms.BooleanField(
        label=gettext_lazy("Public holidays from each site's calendar"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "A meeting on a site's public holiday costs like one on its weekend; China's "
            "adjusted working Saturdays count as working days."
        ),
    )
    steady = forms.BooleanField(
        label=gettext_lazy("Steady times"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Each time holds for blocks of weeks, so people can remember it."),
    )
    min_block_weeks = forms.IntegerField(
        label=gettext_lazy("Hold each time for at least (weeks)"),
        min_value=1,
        max_value=limits.MAX_WEEKS,
        required=False,
        initial=4,
    )
    max_changes = forms.IntegerField(
        label=gettext_lazy("At most this many changes of time"),
        min_value=0,
        max_value=limits.MAX_WEEKS,
        required=False,
    )
    max_nights = forms.IntegerField(
        label=gettext_lazy("Night meetings per site at most"),
        min_value=0,
        max_value=limits.MAX_WEEKS,
        required=False,
        help_text=gettext_lazy(
            "A night meeting touches 00:00–05:00 on the site's clock. A site's own limit in "
            "the table above replaces this one."
        ),
    )
    no_back_to_back = forms.BooleanField(
        label=gettext_lazy("Never a night meeting two weeks running for the same site"),
        required=False,
    )
    even_pace = forms.BooleanField(
        label=gettext_lazy("Fair at every point of the year"),
        required=False,
        help_text=gettext_lazy(
            "Keeps each site's running share of the burden close to its final share, so that "
            "no site carries the whole winter."
        ),
    )
    together_with = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Plan together with"),
        queryset=None,
        required=False,
        help_text=gettext_lazy(
            "Other weekly calls that share people: nobody carries nights in both, and each "
            "site's burden counts across all of them."
        ),
    )
    replan = forms.BooleanField(
        label=gettext_lazy("Re-plan the weeks still to come of this call's sessions"),
        required=False,
        help_text=gettext_lazy(
            "Sessions already held never move and what they cost each site counts; tick "
            "“Joins now” for a site that joins, untick “Include” for one that leaves."
        ),
    )
    cancel_weeks = forms.CharField(
        label=gettext_lazy("Weeks to cancel"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Week numbers of the series, e.g. 30, 31."),
    )

    def __init__(self, *args, calls=None, can_replan: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if calls is None:
            del self.fields["together_with"]
        else:
            self.fields["together_with"].queryset = calls
        if not can_replan:
            del self.fields["replan"]
            del self.fields["cancel_weeks"]

    SERIES_FIELDS = (
        "first_date",
        "weeks",
        "weekday",
        "meeting_minutes",
        "slot_step",
        "never_from",
        "never_until",
        "max_slots",
        "compare_with",
    )

    def series_fields(self):
        return [self[name] for name in self.SERIES_FIELDS]

    def option_fields(self):
        return [self[name] for name in self.fields if name not in self.SERIES_FIELDS]

    def clean_cancel_weeks(self):
        text = self.cleaned_data["cancel_weeks"]
        try:
            weeks = sorted({int(part) for part in text.replace(",", " ").split()})
        except ValueError:
            raise forms.ValidationError(_("Write week numbers, e.g. 30, 31.")) from None
        if any(week < 1 for week in weeks):
            raise forms.ValidationError(_("Weeks are numbered from 1."))
        return tuple(weeks)

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


def site_requests(sites: SiteFormSet) -> tuple[SiteRequest, ...]:
    """The included sites of a valid site formset."""
    return tuple(
        SiteRequest(
            name=row["name"],
            zone=row["zone"],
            weight=row["weight"],
            country=row.get("country", ""),
            subdivision=row.get("subdivision", ""),
            night_limit=row.get("night_limit"),
            added=row.get("add_dates", ()),
            removed=row.get("remove_dates", ()),
            joins=bool(row.get("joins")),
        )
        for row in (f.cleaned_data for f in sites.forms)
        if row and row.get("include")
    )


def build_request(
    form: PlannerForm,
    sites: SiteFormSet,
    *,
    name: str,
    together: tuple[CallRequest, ...] = (),
    history: History | None = None,
) -> PlanRequest:
    """The planning request the two forms describe (both valid). Raises ValueError with a
    readable message when the combination makes no sense."""
    data = form.cleaned_data
    chosen = site_requests(sites)
    if not chosen:
        raise ValueError(_("Include at least one site."))
    windows = ()
    if data.get("never_from") is not None:
        windows = ((float(data["never_from"]), float(data["never_until"])),)
    replanning = bool(data.get("replan"))
    if replanning and history is None:
        raise ValueError(_("This call has no sessions to re-plan yet."))
    return PlanRequest(
        name=name,
        sites=chosen,
        first_date=data["first_date"],
        weeks=data["weeks"],
        weekday=data["weekday"],
        meeting_minutes=data["meeting_minutes"],
        slot_step=data["slot_step"],
        hard_limits=windows,
        max_slots=data.get("max_slots"),
        compare_with=data.get("compare_with", ""),
        holidays=bool(data.get("holidays")),
        steady=bool(data.get("steady")),
        min_block_weeks=data.get("min_block_weeks"),
        max_changes=data.get("max_changes"),
        max_nights=data.get("max_nights"),
        no_back_to_back=bool(data.get("no_back_to_back")),
        even_pace=bool(data.get("even_pace")),
        together=together,
        history=history if replanning else None,
        cancel_weeks=data.get("cancel_weeks", ()) if replanning else (),
    )
