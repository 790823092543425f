"""Two checks on every request of a logged-in user: how long the session may last, and
whether the second factor the user owes has been given (a login through another page
than Amity's, such as the admin's, skips the code step: that session is ended).

Sessions end after ``AMITY_IDLE_MINUTES`` without a request (``AMITY_PARTNER_IDLE_MINUTES``
for partner contacts, who look in now and then from another continent and rarely hold
anything but their own institution's page) and ``AMITY_SESSION_HOURS`` after the login,
whatever happens in between. Both are stamps in the session, so that every session store
and every app server agree; the last-activity stamp is written at most once a minute."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from amity.accounts import second_factor

LOGIN_AT = "amity_login_at"
SEEN_AT = "amity_seen_at"
ENDED = "amity_session_ended"
OWES_CODE = "amity_owes_code"
STAMP_EVERY_S = 60


def idle_limit_s(user) -> int:
    if user.is_partner_contact:
        return settings.AMITY_PARTNER_IDLE_MINUTES * 60
    return settings.AMITY_IDLE_MINUTES * 60


def session_started(sender, request, user, **kwargs) -> None:
    """On every login (``user_logged_in``): stamp the session, and note whether it still
    owes its second factor — a login by another way than the code step (the admin's login
    page) does; Amity's code step clears the note with ``second_factor_given``. Done here,
    once, rather than on the first page after the login."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[LOGIN_AT] = request.session[SEEN_AT] = now
    request.session[OWES_CODE] = second_factor.has_device(user)


def second_factor_given(request) -> None:
    """The session gave its second factor (after ``django_otp.login``)."""
    request.session[OWES_CODE] = False


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request, user)
        return self.get_response(request)

    @staticmethod
    def check(request, user) -> None:
        session = request.session
        now = time.time()
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            # A session from before these stamps (``session_started`` stamps every login).
            session[LOGIN_AT] = session[SEEN_AT] = now
            session[OWES_CODE] = second_factor.has_device(user) and not user.is_verified()
            return
        if now - seen_at > idle_limit_s(user):
            reason = "idle"
        elif now - login_at > settings.AMITY_SESSION_HOURS * 3600:
            reason = "age"
        else:
            if now - seen_at >= STAMP_EVERY_S:
                session[SEEN_AT] = now
            return
        logout(request)  # a new, empty session; the page below sees an anonymous visitor
        request.session[ENDED] = reason


class SecondFactorMiddleware:
    """With ``AMITY_REQUIRE_TOTP``, office staff reach nothing but the set-up page (and
    logging out) until their session is verified with a second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(OWES_CODE)
            and not user.is_verified()
        ):
            # Logged in with the password alone although a second factor is set up.
            logout(request)
            return redirect(reverse("accounts:login"))
        if (
            user is not None
            and user.is_authenticated
            and second_factor.is_required(user)
            and not user.is_verified()
            and not request.path.startswith(self.exempt_paths())
        ):
            if second_factor.has_device(user):
                # A session from before the set-up (or from a script): verify it again.
                logout(request)
                return redirect(reverse("accounts:login"))
            return redirect(reverse("accounts:totp_setup"))
        return self.get_response(request)

    @staticmethod
    def exempt_paths() -> tuple[str, ...]:
        return (
            reverse("accounts:totp_setup"),
            reverse("accounts:logout"),
            reverse("set_language"),
            "/" + settings.STATIC_URL.lstrip("/"),
            "/healthz",
        )
