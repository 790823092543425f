"""Who may see the reports: office staff, and users given the permission
``reports.view_reports`` (hospital leaders, through the "Hospital leaders" group). Partner
contacts never do, whatever their permissions; other staff do not."""

from amity.accounts.models import Role


def can_view_reports(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.PARTNER_CONTACT:
        return False
    return user.is_office_staff or user.has_perm("reports.view_reports")
