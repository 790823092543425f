from amity.aid.permissions import is_home_staff
from amity.directory.permissions import can_browse_departments
from amity.research import permissions as research_permissions


def navigation(request):
    """What the navigation bar may offer this user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_departments": can_browse_departments(user),
        "nav_admin": user.is_office_staff,
        # Home staff reach the aid overview; a partner contact their requests.
        "nav_aid": is_home_staff(user) or user.is_partner_contact,
        # Home staff reach joint research; a partner contact when their institution is
        # a site of a study.
        "nav_research": research_permissions.is_home_staff(user)
        or research_permissions.sites_visible_to(user).exists(),
    }
