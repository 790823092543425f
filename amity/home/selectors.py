from django.contrib.auth.models import AbstractUser
from django.db.models import Count, Q

from amity.aid import permissions as aid_permissions
from amity.aid import selectors as aid_selectors
from amity.aid.summary import totals_sentence
from amity.directory.models import Experience, PartnershipStatus
from amity.directory.permissions import (
    departments_visible_to,
    institutions_visible_to,
    people_visible_to,
)
from amity.events.selectors import AgendaFilters, agenda_sessions


def home_summary(*, user: AbstractUser) -> dict:
    """The figures on the home page, counted over what this user may see."""
    institutions = institutions_visible_to(user).aggregate(
        partners=Count("pk", filter=~Q(partnership_status=PartnershipStatus.HOME)),
        active=Count("pk", filter=Q(partnership_status=PartnershipStatus.ACTIVE)),
        countries=Count(
            "country", distinct=True, filter=~Q(partnership_status=PartnershipStatus.HOME)
        ),
    )
    people = people_visible_to(user)
    return {
        **institutions,
        "people": people.count(),
        "departments": departments_visible_to(user).count(),
        "returnees": Experience.objects.filter(person__in=people)
        .values("person")
        .distinct()
        .count(),
        "me": user.person,
        "coming_up": list(
            agenda_sessions(user=user, filters=AgendaFilters()).exclude(status="cancelled")[:6]
        ),
        # What aid has sent to partners, in one sentence, for the hospital's own staff.
        "aid_sent": totals_sentence(aid_selectors.totals())
        if aid_permissions.is_home_staff(user)
        else "",
    }
