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
