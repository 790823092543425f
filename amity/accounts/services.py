"""Writes for logins and API tokens."""

import secrets
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from amity.accounts.lockout import lock_for_login
from amity.accounts.models import ApiToken, PasswordResetRequest, Role, User, hash_token

TOKEN_PREFIX = "amity_"  # noqa: S105 (a public marker, not a secret)


@transaction.atomic
def user_create(
    *, username: str, email: str, password: str | None, role: Role, is_superuser: bool = False
) -> User:
    """Create a login. Office staff also get the Django admin (``is_staff``)."""
    user = User(username=username, email=email, role=role, is_superuser=is_superuser)
    user.is_staff = role == Role.OFFICE_STAFF or is_superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role) -> User:
    user.role = role
    user.is_staff = role == Role.OFFICE_STAFF or user.is_superuser
    user.full_clean()
    user.save(update_fields=["role", "is_staff"])
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw key, which is not stored and cannot be
    shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=raw[len(TOKEN_PREFIX) :][:8], key_hash=hash_token(raw)
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None. Records when it was last used
    (at most once a minute, to keep reads cheap)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- failed logins -----------------------------------------------------------------------


def login_lockout_release(*, username: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failed logins of an account or of a client address, which ends its
    lockout at once; returns how many attempt records went."""
    if not username and not ip_address:
        raise ValueError("Name an account or an address to unlock.")
    return axes_reset(username=username or None, ip=ip_address or None)


# --- password-reset emails ---------------------------------------------------------------


def _email_hash(email: str) -> str:
    return salted_hmac("amity.password-reset", email.strip().casefold()).hexdigest()


def password_reset_request(*, email: str, client_address: str) -> bool:
    """Record a request for a reset email; True if the email may go out: fewer than
    ``AMITY_PASSWORD_RESET_PER_ACCOUNT`` went to this address in the last hour and this
    client asked fewer than ``AMITY_PASSWORD_RESET_PER_ADDRESS`` times. Requests for
    unknown addresses count the same, so the answer says nothing about who has an account.
    Records older than a day are removed."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    email_hash = _email_hash(email)
    with transaction.atomic():
        lock_for_login(f"reset:{email_hash}", f"reset:{client_address}")
        recent = PasswordResetRequest.objects.filter(requested_at__gte=hour_ago)
        allowed = (
            recent.filter(email_hash=email_hash, sent=True).count()
            < settings.AMITY_PASSWORD_RESET_PER_ACCOUNT
            and recent.filter(client_address=client_address).count()
            < settings.AMITY_PASSWORD_RESET_PER_ADDRESS
        )
        PasswordResetRequest.objects.create(
            email_hash=email_hash, client_address=client_address[:64], sent=allowed
        )
        PasswordResetRequest.objects.filter(requested_at__lt=now - timedelta(days=1)).delete()
    return allowed


# --- second factor (TOTP) ----------------------------------------------------------------

TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODES = 10


@transaction.atomic
def totp_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (replacing an unconfirmed one); the
    confirmed ones, if any, keep working until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; it replaces any earlier one, and a
    new set of single-use backup codes replaces the old. Returns the backup codes (shown
    once), or None if the code was wrong."""
    if device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_renew(user=device.user)


@transaction.atomic
def backup_codes_renew(*, user: User) -> list[str]:
    """New single-use backup codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_remove(*, user: User) -> int:
    """Turn the second factor off for the user (by themselves, or by office staff when the
    phone and the codes are lost); returns how many devices went."""
    totp, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return totp + static
