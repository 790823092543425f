"""The demo's hospital leaders: a group that may read the reports, with the demo login
``leader`` in it (created by the directory's demo). Safe to run again."""

from django.contrib.auth.models import Group, Permission

from amity.accounts.models import User

LEADERS_GROUP = "Hospital leaders"


def load_demo_leaders() -> int:
    """Create the group if missing and put ``leader`` in it; returns the group's size."""
    group, _created = Group.objects.get_or_create(name=LEADERS_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_reports")
    )
    leader = User.objects.filter(username="leader").first()
    if leader is not None:
        leader.groups.add(group)
    return group.user_set.count()
