import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core.forms import AmityForm, AmityModelForm, fields_shared
from amity.core.widgets import IsoDateTimeInput
from amity.directory.models import Institution
from amity.registrations.attendance import MAX_ROWS, ColumnMapping
from amity.registrations.models import (
    AttendancePlatform,
    PrivacyNotice,
    Profession,
    Question,
    RegistrationSettings,
    WayIn,
)

HONEYPOT = "website"


@functools.lru_cache(maxsize=1024)
def valid_zone(name: str) -> bool:
    # Cached: ZoneInfo keeps only the last few zones it read, and a burst of registrants
    # from dozens of zones would read the zone's file again for nearly every one.
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def clean_zone(value: str) -> str:
    """An IANA zone name, or a message saying what one looks like."""
    zone = value.strip()
    if not valid_zone(zone):
        raise forms.ValidationError(
            _("“%(zone)s” is not a time zone; use a name like Asia/Shanghai."),
            params={"zone": zone},
        )
    return zone


class CountrySelect(forms.Select):
    """The list of countries, in the viewer's language, built only when drawn."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = _CountryChoices()


class _CountryChoices(BaseChoiceIterator):
    # A lazy iterator: Django keeps it as it is instead of normalising 250 choices.
    def __iter__(self):
        yield ("", "—")
        yield from countries


@fields_shared
class RegistrationForm(AmityForm):
    """The public registration form; the page and the API both validate through it.
    Its declared fields are shared by every instance (``fields_shared``): change none of
    them in an instance; the questions' fields are each form's own."""

    family_name = forms.CharField(label=_("Family name"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    name_local = forms.CharField(
        label=_("Name in your own script"),
        max_length=100,
        required=False,
        help_text=_("For example 傅君芬; printed on your certificate."),
    )
    email = forms.EmailField(label=_("Email"), max_length=254)
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    # Checked against the ISO list by code; the list of names is only built when the form
    # is drawn (this form is on the hot path of a 10,000-person burst).
    country = forms.CharField(label=_("Country"), required=False, widget=CountrySelect)
    # A list (its labels translated when shown): the fields are shared, not copied, so
    # it is not copied for each registration, and checking a value needs no call.
    profession = forms.ChoiceField(
        label=_("Profession"), choices=[("", "—"), *Profession.choices], required=False
    )
    time_zone = forms.CharField(
        label=_("Your time zone"),
        max_length=64,
        help_text=_("Times in your emails are shown in this zone."),
    )
    consent = forms.BooleanField(label=_("I agree to the privacy notice."))
    # The separate consents PIPL asks for (art. 29, 39), each on its own and neither
    # bundled with the notice; only those that apply to the activity are shown and read.
    sensitive_consent = forms.BooleanField(
        label=_(
            "I consent separately to the processing of the sensitive personal information "
            "in my answers to the questions marked “sensitive”."
        ),
        required=False,
    )
    transfer_consent = forms.BooleanField(
        label=_(
            "I consent separately to my registration data being provided to the partner "
            "institution(s) abroad named above."
        ),
        required=False,
    )
    # The notice version the form showed: a notice changed meanwhile is shown again.
    notice_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A field people never see; bots fill in every field they find.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    CONSENTS = ("consent", "sensitive_consent", "transfer_consent")

    def __init__(
        self,
        *args,
        questions: list[Question] = (),
        partners_abroad: list = (),
        notice: PrivacyNotice | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.sensitive_questions = [q for q in self.questions if q.sensitive]
        self.partners_abroad = list(partners_abroad)
        self.notice = notice
        for question in self.questions:
            label = question.label
            if question.label_local and get_language() == "zh-hans":
                label = question.label_local
            # A sensitive question is required only of those who consent to it (checked
            # in ``clean``): who refuses leaves it unanswered and is still registered.
            required = question.required and not question.sensitive
            if question.kind == Question.Kind.CHOICE:
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", "—"), *((c, c) for c in question.choice_list)],
                    required=required,
                )
            elif question.kind == Question.Kind.YES_NO:
                field = forms.ChoiceField(
                    label=label,
                    choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                    required=required,
                )
            else:
                field = forms.CharField(label=label, max_length=500, required=required)
            field.sensitive = question.sensitive
            if question.sensitive:
                field.help_text = _("Sensitive: answered only with your consent below.")
            self.fields[f"q{question.pk}"] = field

    @property
    def question_fields(self):
        """The bound fields of the questions, for the template (each knows ``sensitive``)."""
        return [self[f"q{question.pk}"] for question in self.questions]

    def clean(self):
        data = super().clean()
        shown = data.get("notice_version")
        if self.notice is not None and shown is not None and shown != self.notice.version:
            self.add_error(
                "consent",
                _(
                    "The privacy notice was updated while you filled in the form: read the "
                    "new version and tick the box again."
                ),
            )
        consented = bool(data.get("sensitive_consent"))
        for question in self.sensitive_questions:
            name = f"q{question.pk}"
            if name not in data:
                continue
            if data[name] and not consented:
                self.add_error(
                    name,
                    _(
                        "Tick the consent to sensitive personal information to answer this "
                        "question, or leave it empty."
                    ),
                )
            elif not data[name] and consented and question.required:
                self.add_error(name, forms.Field.default_error_messages["required"])
        return data

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if code and code not in countries:
            raise forms.ValidationError(
                _("Select a valid choice. %(value)s is not one of the available choices."),
                params={"value": code},
            )
        return code

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_time_zone(self) -> str:
        return clean_zone(self.cleaned_data["time_zone"])

    def clean_website(self) -> str:
        if self.cleaned_data.get(HONEYPOT):
            raise forms.ValidationError(_("This field must be left empty."))
        return ""

    def registration_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "family_name",
                "given_name",
                "name_local",
                "email",
                "institution",
                "country",
                "profession",
                "time_zone",
            )
        }
        fields["language"] = "zh-hans" if get_language() == "zh-hans" else "en"
        sensitive = bool(data.get("sensitive_consent")) if self.sensitive_questions else None
        fields["answers"] = {
            str(question.pk): data[f"q{question.pk}"]
            for question in self.questions
            if data.get(f"q{question.pk}") and (sensitive or not question.sensitive)
        }
        if self.notice is not None:
            fields["notice"] = self.notice
        fields["sensitive_consent"] = sensitive
        fields["transfer_consent"] = (
            bool(data.get("transfer_consent")) if self.partners_abroad else None
        )
        fields["transfer_recipients"] = [
            {"name": partner.name, "country": str(partner.country.code or "")}
            for partner in self.partners_abroad
        ]
        return fields


class RegistrationSettingsForm(AmityModelForm):
    reminders = forms.CharField(
        label=_("Reminders (hours before each session)"),
        required=False,
        help_text=_("Comma-separated, for example “24, 1”. Leave empty for none."),
    )

    class Meta:
        model = RegistrationSettings
        fields = [
            "is_open",
            "closes_at",
            "capacity",
            "offer_hours",
            "certificate_minimum_minutes",
            "retention_days",
            "privacy_notice",
        ]
        widgets = {"closes_at": IsoDateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            hours = [f"{m / 60:g}" for m in self.instance.reminder_minutes]
            self.fields["reminders"].initial = ", ".join(hours)
        else:
            self.fields["reminders"].initial = "24, 1"

    def clean_reminders(self) -> list[int]:
        raw = self.cleaned_data["reminders"].replace("，", ",")
        minutes = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            try:
                hours = float(part)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number of hours."), params={"value": part}
                ) from None
            if not 0 < hours <= 24 * 30:
                raise forms.ValidationError(
                    _("Reminders must be between a few minutes and 30 days before.")
                )
            minutes.append(round(hours * 60))
        return sorted(set(minutes), reverse=True)


class PrivacyNoticeForm(AmityForm):
    """A new version of the privacy notice, in both languages."""

    text = forms.CharField(label=_("Notice in English"), widget=forms.Textarea(attrs={"rows": 8}))
    text_local = forms.CharField(
        label=_("Notice in Chinese"), widget=forms.Textarea(attrs={"rows": 8})
    )
    effective_at = forms.DateTimeField(
        label=_("In effect from"),
        required=False,
        widget=IsoDateTimeInput(),
        help_text=_("Leave empty for now. Registrations accept the version in effect."),
    )


class QuestionForm(AmityModelForm):
    class Meta:
        model = Question
        fields = ["label", "label_local", "kind", "choices", "required", "sensitive", "position"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("kind") == Question.Kind.CHOICE and not [
            c for c in (data.get("choices") or "").splitlines() if c.strip()
        ]:
            self.add_error("choices", _("List at least one choice, one per line."))
        return data


class AnnouncementForm(AmityForm):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))


def max_upload_bytes() -> int:
    return settings.AMITY_MAX_UPLOAD_MB * 1024 * 1024


class AttendanceReportForm(AmityForm):
    """An attendance report to read: Zoom or Tencent Meeting are recognised by their
    columns; any other table needs the columns named."""

    file = forms.FileField(label=_("Attendance report (CSV or Excel)"))
    session = forms.ModelChoiceField(
        label=_("Session"),
        queryset=None,
        required=False,
        empty_label=_("The whole activity"),
        help_text=_("Reading a report for the same session again replaces the earlier one."),
    )
    platform = forms.ChoiceField(
        label=_("Way in"),
        choices=AttendancePlatform.choices,
        initial=AttendancePlatform.ROOM,
        required=False,
        help_text=_(
            "A session's room and livestream reports are merged: a person in both counts "
            "once, and time on both at once counts once."
        ),
    )
    platform_name = forms.CharField(
        label=_("Platform name"),
        max_length=100,
        required=False,
        help_text=_("E.g. bilibili or WeChat Channels; tells two livestreams apart."),
    )
    time_zone = forms.CharField(
        label=_("Time zone of the times in the report"),
        max_length=64,
        help_text=_("The zone of the account that exported it, e.g. Asia/Shanghai."),
    )
    name_column = forms.CharField(label=_("Column with the name"), required=False)
    email_column = forms.CharField(label=_("Column with the email"), required=False)
    joined_column = forms.CharField(label=_("Column with the join time"), required=False)
    left_column = forms.CharField(label=_("Column with the leave time"), required=False)
    duration_column = forms.CharField(label=_("Column with the minutes"), required=False)

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = activity.sessions.order_by("starts_at")
        self.fields["time_zone"].initial = activity.time_zone
        self.fields["file"].help_text = _(
            "Up to %(rows)s rows and %(size)s MB; split a larger report by session."
        ) % {"rows": f"{MAX_ROWS:,}", "size": settings.AMITY_MAX_UPLOAD_MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": settings.AMITY_MAX_UPLOAD_MB}
            )
        return upload

    def clean_time_zone(self) -> str:
        return clean_zone(self.cleaned_data["time_zone"])

    def clean_platform(self) -> str:
        return self.cleaned_data["platform"] or AttendancePlatform.ROOM

    def mapping(self):
        data = self.cleaned_data
        if not data.get("name_column"):
            return None
        return ColumnMapping(
            name=data["name_column"],
            email=data.get("email_column", ""),
            joined=data.get("joined_column", ""),
            left=data.get("left_column", ""),
            duration=data.get("duration_column", ""),
        )


class TeamTableForm(AmityForm):
    """A team's table, pasted or uploaded (``groups``), and the coordinator's word that
    the people in it agreed to the privacy notice."""

    table = forms.CharField(
        label=_("Paste the table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Copy the rows from Excel or WPS, with the header row: a name in Chinese "
            "(姓名) and/or in Latin script (拼音), email (邮箱), and optionally profession "
            "(职业), time zone (时区) and language of the emails (语言)."
        ),
    )
    file = forms.FileField(
        label=_("Or upload it (CSV or Excel)"),
        required=False,
        help_text=_("Headers in English or Chinese; CSV saved by Excel in China is read too."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": settings.AMITY_MAX_UPLOAD_MB}
            )
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("table", "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the table or choose a file."))
        return data


class GroupLinkForm(AmityForm):
    """A one-time link for one institution's team."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=None, required=False, empty_label="—"
    )
    label = forms.CharField(
        label=_("Team"),
        max_length=200,
        required=False,
        help_text=_("E.g. Wuhan Children's Hospital, Cardiology. Empty: the institution's name."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=14)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("institution") and not (data.get("label") or "").strip():
            self.add_error("label", _("Name the team, or choose its institution."))
        return data


class WayInForm(AmityModelForm):
    """A meeting room or a livestream of an activity (``amity.registrations.rooms``)."""

    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")

    class Meta:
        model = WayIn
        fields = [
            "kind",
            "platform",
            "url",
            "capacity",
            "details",
            "priority",
            "invited_institutions",
            "position",
        ]
        widgets = {
            "details": forms.Textarea(attrs={"rows": 2}),
            "invited_institutions": forms.Textarea(attrs={"rows": 3}),
        }
