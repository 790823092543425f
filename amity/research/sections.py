"""Joint research where it belongs outside its own pages: a panel on an institution's page
(the studies it takes part in, with its site's status, approval and enrolment), entries on
the partner's timeline, and on a person's page the studies they lead or coordinate.

The directory and relations sit below research and never import it;
``ResearchConfig.ready()`` registers these functions with them (``directory.extensions``,
``relations.extensions``). Each reads through ``permissions`` and ``selectors``: home staff
see every site, a partner's contact only their own institution's, no one else anything.
"""

from datetime import date

from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.directory.models import Institution, Person
from amity.relations.extensions import TimelineEntry
from amity.research import permissions, selectors
from amity.research.models import ApprovalState, EthicsApproval, Site

TIMELINE_KIND = "research"


def _institution_sites(user: User, institution: Institution) -> list[Site]:
    """The institution's sites the user may see (a partner contact: only on their own
    institution's page), with their study."""
    return list(
        permissions.sites_visible_to(user)
        .filter(institution=institution)
        .select_related("study", "site_pi", "coordinator")
        .order_by(F("study__start_on").desc(nulls_last=True), "study__title")
    )


# --- the institution's page ----------------------------------------------------------------


def partner_section(request: HttpRequest, institution: Institution) -> dict:
    """The "Joint research" panel of an institution's page: each study it is a site of,
    with the site's status, its approval in force and its enrolment against target. For
    home staff, and for the institution's own contact; nothing on the home hospital's
    page (it takes part in nearly every study) nor for anyone else. Three queries."""
    user = request.user
    if institution.is_home:
        return {}
    sites = _institution_sites(user, institution)
    if not sites:
        return {}
    ids = [site.pk for site in sites]
    enrolled = dict(
        permissions.enrolment_visible_to(user)
        .filter(site_id__in=ids)
        .values_list("site_id")
        .annotate(total=Sum("count"))
        .order_by()
    )
    current = {
        approval.site_id: approval
        for approval in EthicsApproval.objects.current().filter(site_id__in=ids)
    }
    return {
        "research": {
            "sites": [
                {
                    "site": site,
                    "study": site.study,
                    "enrolled": enrolled.get(site.pk, 0),
                    "approval": current.get(site.pk),
                    "can_enter": permissions.can_enter_enrolment(user, site),
                }
                for site in sites
            ]
        }
    }


# --- the partner's timeline ----------------------------------------------------------------


def timeline_entries(user: User, institution: Institution, today: date) -> list[TimelineEntry]:
    """The institution's part in joint research, dated: joining a study as a site, each
    ethics approval given, and when the approval in force expires (ahead: upcoming). Two
    queries."""
    if institution.is_home:
        return []
    sites = _institution_sites(user, institution)
    if not sites:
        return []
    entries: list[TimelineEntry] = []
    by_pk = {site.pk: site for site in sites}
    for site in sites:
        study = site.study
        if site.joined_on:
            entries.append(
                TimelineEntry(
                    kind=TIMELINE_KIND,
                    day=site.joined_on,
                    title=str(study),
                    url=site.get_absolute_url(),
                    what=_("Joined the study as a site"),
                    state=site.status,
                    state_label=site.get_status_display(),
                )
            )
    current = set(
        EthicsApproval.objects.current().filter(site_id__in=by_pk).values_list("pk", flat=True)
    )
    approvals = EthicsApproval.objects.filter(site_id__in=by_pk).order_by("approved_on", "pk")
    for approval in approvals:
        site = by_pk[approval.site_id]
        common = {
            "kind": TIMELINE_KIND,
            "title": str(site.study),
            "url": site.get_absolute_url(),
        }
        entries.append(
            TimelineEntry(
                day=approval.approved_on,
                what=_("Ethics approval given"),
                detail=f"{approval.committee} {approval.reference}",
                **common,
            )
        )
        if approval.pk in current and approval.expires_on:
            state = approval.state(today)
            entries.append(
                TimelineEntry(
                    day=approval.expires_on,
                    what=_("Ethics approval expires")
                    if approval.expires_on >= today
                    else _("Ethics approval expired"),
                    detail=f"{approval.committee} {approval.reference}",
                    state=state,
                    state_label=str(ApprovalState(state).label),
                    upcoming=approval.expires_on > today,
                    **common,
                )
            )
    return entries


# --- a person's page -----------------------------------------------------------------------


def person_section(request: HttpRequest, person: Person) -> dict:
    """The studies the person leads, is on the team of, or is a site's PI or coordinator
    of — those the reader may see, with the person's roles in each."""
    studies = selectors.person_studies(request.user, person)
    if not studies:
        return {}
    return {"research_studies": studies}
