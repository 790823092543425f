from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.core.forms import (
    AmityForm,
    AmityModelForm,
    SubmittedChoiceField,
    SubmittedMultipleChoiceField,
)
from amity.core.widgets import IsoDateInput, IsoTimeInput
from amity.directory.models import (
    Department,
    Institution,
    Language,
    Person,
    time_zone_choices,
)
from amity.events import services, timing
from amity.events.models import (
    Activity,
    ActivityKind,
    ParticipantRole,
    Session,
    SessionSpeaker,
)

WEEKDAYS = [
    ("MO", gettext_lazy("Monday")),
    ("TU", gettext_lazy("Tuesday")),
    ("WE", gettext_lazy("Wednesday")),
    ("TH", gettext_lazy("Thursday")),
    ("FR", gettext_lazy("Friday")),
    ("SA", gettext_lazy("Saturday")),
    ("SU", gettext_lazy("Sunday")),
]


def describe_local_time_error(error: timing.LocalTimeError, zone: str) -> str:
    """The refusal a person reads, naming both instants they might have meant."""
    first, second = error.options

    def show(value: datetime) -> str:
        return f"{formats.time_format(value, 'H:i')} ({value.tzname()})"

    day = formats.date_format(first, "DATE_FORMAT")
    if isinstance(error, timing.NonexistentLocalTime):
        return _(
            "This time does not exist on %(day)s in %(zone)s: the clocks jump forward. "
            "Choose %(first)s or %(second)s."
        ) % {"day": day, "zone": zone, "first": show(first), "second": show(second)}
    return _(
        "This time happens twice on %(day)s in %(zone)s: first at %(first)s, then at "
        "%(second)s. Choose which one you mean."
    ) % {"day": day, "zone": zone, "first": show(first), "second": show(second)}


class AgendaFilterForm(AmityForm):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *ActivityKind.choices],
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=gettext_lazy("All departments"),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=gettext_lazy("All partners"),
    )
    language = forms.ModelChoiceField(
        label=gettext_lazy("Language"),
        queryset=Language.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("Any language"),
    )

    def __init__(self, *args, partners, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["department"].queryset = departments


class ActivityForm(AmityModelForm):
    """The department (by slug), partners (by id) and languages (by code) are resolved by
    ``services.activity_references_resolve``, as in the API: the same reference is refused
    with the same message on the page and in the API."""

    video_url = forms.URLField(
        label=gettext_lazy("Video meeting link"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Activity
        fields = [
            "title",
            "title_local",
            "kind",
            "status",
            "visibility",
            "department",
            "partners",
            "languages",
            "time_zone",
            "description",
            "video_provider",
            "video_url",
            "dial_in",
            "expected_audience",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "dial_in": forms.Textarea(attrs={"rows": 2}),
            "languages": forms.CheckboxSelectMultiple,
            "partners": forms.SelectMultiple(attrs={"size": 8}),
        }
        field_classes = {
            "department": SubmittedChoiceField,
            "partners": SubmittedMultipleChoiceField,
            "languages": SubmittedMultipleChoiceField,
        }

    def __init__(self, *args, coordinated_department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.coordinated_department = coordinated_department
        self.fields["department"].to_field_name = "slug"
        if self.instance.department_id:
            self.initial["department"] = self.instance.department.slug
        self.fields["partners"].queryset = Institution.objects.partners().order_by("name")
        if coordinated_department is not None:
            self.fields["department"].queryset = Department.objects.filter(
                pk=coordinated_department.pk
            )
            self.fields["department"].required = True
            self.fields["department"].empty_label = None

    def clean(self):
        cleaned_data = super().clean()
        submitted = {name: cleaned_data.pop(name, None) for name in services.ACTIVITY_REFERENCES}
        references = services.activity_references_resolve(
            department=submitted["department"],
            partners=submitted["partners"] or (),
            languages=submitted["languages"] or (),
        )
        department = references["department"]
        # A coordinator organises for their own department only, as the API requires.
        if self.coordinated_department not in (None, department) and not self.has_error(
            "department"
        ):
            raise ValidationError(
                {"department": self.fields["department"].error_messages["invalid_choice"]}
            )
        cleaned_data.update(references)
        return cleaned_data


class WallClockForm(AmityForm):
    """A date and time on the wall clock of a zone, refused in a DST gap, and in a DST
    fold until the person says which of the two instants they mean."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=IsoDateInput())
    time = forms.TimeField(label=gettext_lazy("Time"), widget=IsoTimeInput())
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=time_zone_choices)
    fold = forms.TypedChoiceField(
        label=gettext_lazy("If the clock is turned back that night"),
        choices=[
            ("", gettext_lazy("—")),
            ("0", gettext_lazy("the first of the two (before the change)")),
            ("1", gettext_lazy("the second of the two (after the change)")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["starts_at"] = timing.resolve_local(
                datetime.combine(data["date"], data["time"]),
                data["time_zone"],
                fold=data.get("fold"),
            )
        except timing.LocalTimeError as error:
            raise forms.ValidationError(
                describe_local_time_error(error, data["time_zone"]), code="local_time"
            ) from error
        return data


class SessionForm(WallClockForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    field_order = ["title", "date", "time", "time_zone", "fold", "duration_minutes"]


class MoveSessionForm(WallClockForm):
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"), min_value=5, max_value=24 * 60
    )


class SeriesForm(WallClockForm):
    FREQUENCIES = [
        ("WEEKLY;INTERVAL=1", gettext_lazy("Every week")),
        ("WEEKLY;INTERVAL=2", gettext_lazy("Every two weeks")),
        ("MONTHLY;INTERVAL=1", gettext_lazy("Every month (same date)")),
        ("DAILY;INTERVAL=1", gettext_lazy("Every day")),
    ]
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    frequency = forms.ChoiceField(label=gettext_lazy("Repeats"), choices=FREQUENCIES)
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("On"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("For weekly series; the weekday of the first date if none."),
    )
    count = forms.IntegerField(
        label=gettext_lazy("Number of sessions"),
        min_value=1,
        max_value=timing.MAX_OCCURRENCES,
        required=False,
    )
    until = forms.DateField(
        label=gettext_lazy("or until"),
        required=False,
        widget=IsoDateInput(),
    )
    field_order = [
        "title",
        "date",
        "time",
        "time_zone",
        "fold",
        "duration_minutes",
        "frequency",
        "weekdays",
        "count",
        "until",
    ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        count, until = data.get("count"), data.get("until")
        if bool(count) == bool(until):
            raise forms.ValidationError(
                _("Give either the number of sessions or the last date, not both."),
                code="series_end",
            )
        if until and until < data["date"]:
            self.add_error("until", _("The last date is before the first."))
            return data
        parts = [f"FREQ={data['frequency']}"]
        if data["frequency"].startswith("WEEKLY") and data.get("weekdays"):
            parts.append("BYDAY=" + ",".join(data["weekdays"]))
        parts.append(f"COUNT={count}" if count else f"UNTIL={until:%Y%m%d}")
        data["rrule"] = ";".join(parts)
        try:
            data["occurrences"] = services.series_occurrences(
                start_date=data["date"],
                start_time=data["time"],
                time_zone=data["time_zone"],
                rrule=data["rrule"],
                fold=data.get("fold"),
            )
        except forms.ValidationError as error:
            self.add_error("date" if error.code == "series_start_day" else None, error)
        return data


def month_from(value: str, today: date) -> tuple[int, int]:
    """ "2027-03" -> (2027, 3); anything else -> this month."""
    try:
        year, month = (int(part) for part in value.split("-"))
        date(year, month, 1)
        return year, month
    except (TypeError, ValueError):
        return today.year, today.month


class SessionDetailsForm(AmityModelForm):
    recording_url = forms.URLField(
        label=gettext_lazy("Recording"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Session
        fields = ["title", "notes", "recording_url"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class SpeakerForm(AmityModelForm):
    class Meta:
        model = SessionSpeaker
        fields = ["person", "role", "talk_title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.select_related("institution")


SpeakerFormSet = forms.inlineformset_factory(
    Session, SessionSpeaker, form=SpeakerForm, extra=1, can_delete=True
)


class MaterialForm(AmityForm):
    """A link or a file; the file's content is checked by ``services.material_add``."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    url = forms.URLField(label=gettext_lazy("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=gettext_lazy("or a file"), required=False)
    session = forms.ModelChoiceField(
        label=gettext_lazy("For session"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=gettext_lazy("The whole activity"),
    )

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = activity.sessions.all()

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("url") and not data.get("file"):
            raise forms.ValidationError(_("Give a link or upload a file."))
        return data


class ParticipantForm(AmityForm):
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=Person.objects.select_related("institution")
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ParticipantRole.choices)


class AttendanceForm(AmityForm):
    present = forms.MultipleChoiceField(
        label=gettext_lazy("Present"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(p.pk), p.full_name) for p in people]
