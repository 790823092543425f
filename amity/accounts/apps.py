from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "amity.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The history keeps who holds which role and which tokens exist, never a password
        # or a token's hash (see amity.core.history).
        from django.contrib.auth.signals import user_logged_in

        from amity.accounts.middleware import session_started
        from amity.accounts.models import ApiToken, User
        from amity.core.history import track

        user_logged_in.connect(session_started, dispatch_uid="amity.session_started")

        track(User, include=["username", "role", "is_active", "is_superuser", "is_staff"])
        track(ApiToken, include=["user", "name", "revoked_at"])
