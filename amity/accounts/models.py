import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICE_STAFF = "office", _("Office staff")
    COORDINATOR = "coordinator", _("Department coordinator")
    STAFF = "staff", _("Staff member")
    PARTNER_CONTACT = "partner", _("Partner contact")


class User(AbstractUser):
    """A login. What the person is (name, institution, department) lives in
    ``directory.Person``, linked one-to-one; the role decides what they may do."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            )
        ]

    @property
    def is_office_staff(self) -> bool:
        return self.is_active and (self.role == Role.OFFICE_STAFF or self.is_superuser)

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR

    @property
    def is_partner_contact(self) -> bool:
        return self.is_active and self.role == Role.PARTNER_CONTACT and not self.is_superuser

    @property
    def person(self):
        """The directory entry of this user, or None. Cached by Django's reverse accessor."""
        try:
            return self.directory_person
        except models.ObjectDoesNotExist:
            return None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored: the token itself is
    shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PasswordResetRequest(models.Model):
    """One request for a password-reset email, kept for an hour or so to throttle them per
    email address and per client address. The email address is kept only as a keyed hash:
    the table must not become a list of who asked."""

    email_hash = models.CharField(max_length=64, db_index=True, editable=False)
    client_address = models.CharField(max_length=64, db_index=True, editable=False)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    sent = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("password-reset request")
        verbose_name_plural = _("password-reset requests")

    def __str__(self) -> str:
        return f"{self.client_address} {self.requested_at:%Y-%m-%d %H:%M}"
