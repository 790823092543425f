from amity.directory.permissions import can_browse_departments


def navigation(request):
    """What the navigation bar may offer this user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_departments": can_browse_departments(user),
        "nav_admin": user.is_office_staff,
    }
