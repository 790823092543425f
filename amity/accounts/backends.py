from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    """Office staff hold every model permission, so the Django admin works for them as a
    raw-data tool without per-model grants. Everyone else keeps Django's own rules."""

    def has_perm(self, user_obj, perm, obj=None):
        if user_obj.is_active and getattr(user_obj, "is_office_staff", False):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if user_obj.is_active and getattr(user_obj, "is_office_staff", False):
            return True
        return super().has_module_perms(user_obj, app_label)


class LoginBackend(AxesStandaloneBackend, RoleBackend):
    """The only authentication backend: the lockout check (which counts this attempt, see
    ``accounts.lockout``), then the password, then the roles of ``RoleBackend``.

    A call without a request (the test client's ``login``, a script) has no client to
    throttle and goes straight to the password; every page and the API pass the request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return RoleBackend.authenticate(self, request, username, password, **kwargs)
        # Raises PermissionDenied when locked out: no password is checked then.
        AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
        user = RoleBackend.authenticate(self, request, username, password, **kwargs)
        if user is not None:
            handler = AxesProxyHandler.get_implementation()
            if hasattr(handler, "release"):
                handler.release(request)
        return user
