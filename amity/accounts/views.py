import math
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from amity.accounts import lockout, second_factor, services
from amity.accounts.forms import (
    ApiTokenForm,
    QueuedPasswordResetForm,
    SecondFactorForm,
    SecondFactorResetForm,
    UnlockForm,
)
from amity.accounts.middleware import ENDED, second_factor_given
from amity.accounts.models import User
from amity.core.ratelimit import client_address


class LoginView(auth_views.LoginView):
    """The password step. With a second factor set up, nobody is logged in yet: the code
    step (``login_verify``) finishes the login."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if second_factor.has_device(user):
            second_factor.pending_start(self.request, user)
            url = reverse("accounts:login_verify")
            if next_url := self.get_redirect_url():
                url += "?" + urlencode({self.redirect_field_name: next_url})
            return HttpResponseRedirect(url)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_ended"] = self.request.session.pop(ENDED, None)
        context["idle_minutes"] = settings.AMITY_IDLE_MINUTES
        context["session_hours"] = settings.AMITY_SESSION_HOURS
        return context


def login_locked_out(request, original_response=None, credentials=None):
    """The login page when too many logins failed for this account or from this address
    (django-axes' lockout response). The same words whether or not the account exists."""
    until = lockout.locked_until(request, credentials)
    seconds = (until - timezone.now()).total_seconds() if until else 0
    minutes = max(1, math.ceil(seconds / 60)) if until else settings.AMITY_LOGIN_LOCKOUT_MINUTES
    return render(
        request,
        "accounts/login.html",
        {
            "locked_minutes": minutes,
            "username": (credentials or {}).get("username", ""),
            "next": request.POST.get("next", ""),
        },
        status=429,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The code step of a login with a second factor."""
    pending = second_factor.pending(request)
    if pending is None:
        return redirect("accounts:login")
    user = get_object_or_404(User, pk=pending["user"], is_active=True)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["code"])
        if device is not None:
            second_factor.pending_end(request)
            auth_login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            second_factor_given(request)
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse(settings.LOGIN_REDIRECT_URL)
            return HttpResponseRedirect(next_url)
        form.add_error("code", _("That code is not right, or it was used already."))
    return render(request, "accounts/login_verify.html", {"form": form, "next": next_url})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Throttled per email address and per client; the answer is the same either way.
        if services.password_reset_request(
            email=form.cleaned_data["email"], client_address=client_address(self.request)
        ):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        messages.success(
            request, _("Token “%s” was created. Copy it now: it is shown only once.") % token.name
        )
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": request.user.api_tokens.all(), "new_key": new_key},
    )


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("Token “%s” was revoked.") % token.name)
    return redirect("accounts:api_tokens")


# --- the user's own sign-in security ------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def security(request):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "authenticator": second_factor.authenticator(user),
            "backup_codes_left": second_factor.backup_codes_left(user),
            "required": second_factor.is_required(user),
            "idle_minutes": settings.AMITY_PARTNER_IDLE_MINUTES
            if user.is_partner_contact
            else settings.AMITY_IDLE_MINUTES,
            "code_form": SecondFactorForm(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    """Set up an authenticator: scan the QR code (or type the key), then confirm with a
    code. Shows the backup codes once."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = services.totp_confirm(device=device, token=form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            second_factor_given(request)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "new": True})
        form.add_error("code", _("That code is not right. Check the time on your phone."))
    if device is None:
        device = services.totp_start(user=request.user)
    key = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "required": second_factor.is_required(request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def totp_qr(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        raise Http404
    return HttpResponse(second_factor.qr_svg(device), content_type="image/svg+xml")


@login_required
@require_POST
def totp_disable(request):
    form = SecondFactorForm(request.POST)
    if second_factor.is_required(request.user):
        messages.error(request, _("Office staff must keep a second factor on this site."))
    elif form.is_valid() and django_otp.match_token(request.user, form.cleaned_data["code"]):
        services.totp_remove(user=request.user)
        messages.success(request, _("Two-step login is off."))
    else:
        messages.error(request, _("That code is not right: two-step login stays on."))
    return redirect("accounts:security")


@never_cache
@login_required
@require_POST
def backup_codes_renew(request):
    if not second_factor.has_device(request.user):
        return redirect("accounts:security")
    codes = services.backup_codes_renew(user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "new": False})


# --- office staff: lockouts and lost second factors -------------------------------------


def _office_only(request) -> None:
    if not request.user.is_office_staff:
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def lockouts(request):
    _office_only(request)
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": lockout.current_lockouts(),
            "limit": settings.AMITY_LOGIN_FAILURE_LIMIT,
            "minutes": settings.AMITY_LOGIN_LOCKOUT_MINUTES,
            "reset_form": SecondFactorResetForm(),
        },
    )


@login_required
@require_POST
def lockout_release(request):
    _office_only(request)
    form = UnlockForm(request.POST)
    if form.is_valid():
        kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
        services.login_lockout_release(**{kind: value})
        messages.success(request, _("“%s” can log in again.") % value)
    return redirect("accounts:lockouts")


@login_required
@require_POST
def second_factor_reset(request):
    _office_only(request)
    form = SecondFactorResetForm(request.POST)
    user = None
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
    if user is None:
        messages.error(request, _("There is no login with that username."))
    elif services.totp_remove(user=user):
        messages.success(
            request, _("Two-step login of “%s” is off: they can set it up again.") % user
        )
    else:
        messages.info(request, _("“%s” had no second factor.") % user)
    return redirect("accounts:lockouts")
