"""Date and time inputs that browsers can fill in, in every interface language.

A browser's ``<input type="date">`` (``time``, ``datetime-local``) accepts only ISO values
(``2026-12-02``, ``14:30``, ``2026-12-02T14:30``) and silently empties anything else, such
as the Chinese ``2026/12/02`` that Django's localised widgets would write. These widgets
always write ISO; the browser shows the date the reader's way and sends ISO back, which
Django's date and time fields read in every language.
"""

from django import forms


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
