"""Date and time inputs are written and read in ISO format whatever the interface language.

Browsers' ``<input type="date">`` only accept ``2026-12-02`` (and ``type="time"`` only
``14:30``): a value in the Chinese format ``2026/12/02`` is silently emptied, and the form
can then not be sent.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from amity.directory.forms import InstitutionForm, MembershipForm
from amity.directory.models import Institution
from amity.events.forms import MoveSessionForm, SeriesForm, SessionForm
from amity.learning.forms import CompletionForm
from amity.plans.forms import PlanForm
from amity.registrations.forms import RegistrationSettingsForm
from amity.relations.forms import (
    AgreementFilterForm,
    AgreementForm,
    CampaignForm,
    IncomingLetterForm,
    ReplyForm,
)
from amity.scheduling.forms import PlannerForm
from amity.sharing.forms import DownloadFilterForm

DAY = date(2026, 12, 2)
AT = time(14, 30)
MOMENT = datetime(2026, 12, 2, 14, 30)
HANGZHOU = ZoneInfo("Asia/Shanghai")

# (form, the keyword arguments it needs, its date/time fields and their ISO renderings)
DATE_FORMS = [
    (PlannerForm, {}, {"first_date": (DAY, "2026-12-02")}),
    (MoveSessionForm, {}, {"date": (DAY, "2026-12-02"), "time": (AT, "14:30")}),
    (SessionForm, {}, {"date": (DAY, "2026-12-02"), "time": (AT, "14:30")}),
    (
        SeriesForm,
        {},
        {"date": (DAY, "2026-12-02"), "time": (AT, "14:30"), "until": (DAY, "2026-12-02")},
    ),
    (PlanForm, {}, {"target_start": (DAY, "2026-12-02")}),
    (InstitutionForm, {}, {"partner_since": (DAY, "2026-12-02")}),
    (MembershipForm, {}, {"since": (DAY, "2026-12-02"), "until": (DAY, "2026-12-02")}),
    (CompletionForm, {}, {"completed_on": (date(2025, 12, 2), "2025-12-02")}),
    (DownloadFilterForm, {}, {"since": (DAY, "2026-12-02"), "until": (DAY, "2026-12-02")}),
    (
        AgreementFilterForm,
        {"institutions": Institution.objects.none()},
        {"expiring_before": (DAY, "2026-12-02")},
    ),
    (
        AgreementForm,
        {},
        {"signed_on": (DAY, "2026-12-02"), "expires_on": (date(2029, 12, 2), "2029-12-02")},
    ),
    (CampaignForm, {}, {"letter_date": (DAY, "2026-12-02")}),
    (ReplyForm, {}, {"received_on": (DAY, "2026-12-02")}),
    (IncomingLetterForm, {"institution": None}, {"received_on": (DAY, "2026-12-02")}),
    (RegistrationSettingsForm, {}, {"closes_at": (MOMENT, "2026-12-02T14:30")}),
]


def _value_of(html: str) -> str:
    match = re.search(r'value="([^"]*)"', html)
    return match.group(1) if match else ""


def _as_a_browser_sends(html: str) -> str:
    """The value a browser sends for a date/time input: HTML's value sanitisation empties
    anything that is not a valid ISO date (time, local datetime)."""
    value = _value_of(html)
    kind = re.search(r'type="([^"]*)"', html).group(1)
    pattern = {
        "date": r"\d{4}-\d{2}-\d{2}",
        "time": r"\d{2}:\d{2}(:\d{2})?",
        "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}",
    }[kind]
    return value if re.fullmatch(pattern, value) else ""


def _make(form_class, kwargs, **more):
    if kwargs.get("institution", 0) is None:
        from tests.factories import InstitutionFactory

        kwargs = {**kwargs, "institution": InstitutionFactory()}
    return form_class(**kwargs, **more)


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "kwargs", "fields"), DATE_FORMS)
def test_date_inputs_render_iso_in_chinese(form_class, kwargs, fields):
    """Every date, time and datetime-local input shows its initial value in ISO format
    (2026-12-02, 14:30, 2026-12-02T14:30) in the Chinese interface."""
    with translation.override("zh-hans"):
        form = _make(
            form_class, kwargs, initial={name: value for name, (value, _) in fields.items()}
        )
        for name, (_, iso) in fields.items():
            assert _value_of(str(form[name])) == iso, name


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "kwargs", "fields"), DATE_FORMS)
def test_date_inputs_read_iso_back_in_chinese(form_class, kwargs, fields):
    """What the browser sends back (ISO) is read as the same date and time in Chinese."""
    with translation.override("zh-hans"):
        form = _make(form_class, kwargs, data={name: iso for name, (_, iso) in fields.items()})
        form.is_valid()
        for name, (value, _) in fields.items():
            assert name not in form.errors, (name, form.errors[name])
            cleaned = form.cleaned_data[name]
            if isinstance(value, datetime):
                cleaned = timezone.localtime(cleaned).replace(tzinfo=None)
            assert cleaned == value


@pytest.mark.django_db
def test_date_inputs_move_session_form_validates_in_chinese():
    """The session-move form, filled in from its own rendering in Chinese, validates."""
    with translation.override("zh-hans"):
        shown = MoveSessionForm(
            initial={"date": DAY, "time": AT, "time_zone": "Asia/Shanghai", "duration_minutes": 60}
        )
        data = {
            "date": _as_a_browser_sends(str(shown["date"])),
            "time": _as_a_browser_sends(str(shown["time"])),
            "time_zone": "Asia/Shanghai",
            "duration_minutes": "60",
        }
        form = MoveSessionForm(data=data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["starts_at"] == datetime(2026, 12, 2, 14, 30, tzinfo=HANGZHOU)


@pytest.mark.django_db
def test_date_inputs_planner_form_validates_in_chinese():
    """The call planner's first date, as rendered in Chinese, is read back as the same day."""
    with translation.override("zh-hans"):
        shown = PlannerForm(initial={"first_date": DAY})
        form = PlannerForm(data={"first_date": _as_a_browser_sends(str(shown["first_date"]))})
        form.is_valid()
        assert "first_date" not in form.errors
        assert form.cleaned_data["first_date"] == DAY
