"""Writes for logins and API tokens."""

import secrets

from django.db import transaction
from django.utils import timezone

from amity.accounts.models import ApiToken, Role, User, hash_token

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
