from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from amity.core.emails import email_queue
from amity.core.forms import AmityForm


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes through the outbox and a background worker,
    so the page answers at once and a failing mail server is retried."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = loader.render_to_string(subject_template_name, context)
        body = loader.render_to_string(email_template_name, context)
        email_queue(to=[to_email], subject=subject, body=body)


class ApiTokenForm(AmityForm):
    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=100,
        help_text=_("e.g. “Reporting script”. You can revoke it at any time."),
    )


class SecondFactorForm(AmityForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code your authenticator app shows now, or one backup code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class UnlockForm(AmityForm):
    kind = forms.ChoiceField(choices=[("username", "username"), ("ip_address", "ip_address")])
    value = forms.CharField(max_length=255)


class SecondFactorResetForm(AmityForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Turns off the second factor of this login, for someone who lost it."),
    )
