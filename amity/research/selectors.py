"""Reads for the research pages, the API, exports, the partner page and people's pages.

Every read that takes a user starts from ``permissions``: a study, site, approval or
month of enrolment the user may not see is never loaded, so a page or an endpoint cannot
leak it by forgetting a check. The overview is a fixed number of aggregate queries
whatever the number of studies, sites and months (figure 1 of issue #14).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.directory.models import Institution, Person
from amity.research import permissions
from amity.research.models import (
    EXPIRING_WITHIN_DAYS,
    Enrolment,
    EthicsApproval,
    MemberRole,
    Site,
    SiteStatus,
    Study,
    StudyMember,
)

# --- studies and sites ---------------------------------------------------------------------


def studies_for(user: User) -> QuerySet[Study]:
    """The studies ``user`` may see, with their lead institution and PI."""
    return permissions.studies_visible_to(user).select_related(
        "lead_institution", "principal_investigator"
    )


def study_for(user: User, pk: int) -> Study:
    """The study, when ``user`` may see it; Http404 otherwise (a study someone may not see
    does not exist for them)."""
    study = studies_for(user).filter(pk=pk).first()
    if study is None:
        raise Http404(_("No such study."))
    return study


def sites_for(user: User, study: Study) -> QuerySet[Site]:
    """The study's sites ``user`` may see (all for home staff, their own for a partner
    contact), with institution, people, approvals and agreements at hand."""
    return (
        permissions.visible_sites(user, study)
        .select_related("institution", "site_pi", "coordinator")
        .prefetch_related("approvals__document", "agreements")
        .order_by("institution__name")
    )


def site_for(user: User, pk: int) -> Site:
    """The site, when ``user`` may see it; Http404 otherwise."""
    site = (
        permissions.sites_visible_to(user)
        .select_related("study", "institution", "site_pi", "coordinator")
        .filter(pk=pk)
        .first()
    )
    if site is None:
        raise Http404(_("No such site."))
    return site


def approvals_for(user: User, site: Site) -> QuerySet[EthicsApproval]:
    """The site's approvals, latest first (the first is in force); none unless the user
    may see the site."""
    return (
        permissions.approvals_visible_to(user)
        .filter(site=site)
        .select_related("document")
        .order_by("-approved_on", "-pk")
    )


def enrolment_for(user: User, study: Study) -> QuerySet[Enrolment]:
    """The monthly counts of the study's sites ``user`` may see, by site then month: every
    site for home staff, only their own site for a partner contact. Each row has
    ``site_id``, ``month`` (the first of the month) and ``count``."""
    return (
        permissions.enrolment_visible_to(user)
        .filter(site__study=study)
        .only("pk", "site_id", "month", "count", "entered_at")
        .order_by("site_id", "month")
    )


def site_enrolment(user: User, site: Site) -> dict[date, int]:
    """One site's counts by month (empty unless the user may see the site)."""
    return dict(
        permissions.enrolment_visible_to(user)
        .filter(site=site)
        .order_by("month")
        .values_list("month", "count")
    )


# --- the overview --------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    """One study on the overview, as ``user`` may see it: for home staff the whole study
    (every site; the study's target, or its sites' targets added up), for a partner
    contact their own site only."""

    study: Study
    sites: int
    enrolled: int
    target: int | None
    next_expiry: date | None  # the earliest expiry of an approval in force (may be past)
    today: date

    @property
    def status(self) -> str:
        return self.study.status

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return round(100 * self.enrolled / self.target)

    @property
    def low(self) -> int:
        """Below this the meter shows a shortfall: half the target."""
        return (self.target or 0) // 2

    @property
    def expired(self) -> bool:
        return self.next_expiry is not None and self.next_expiry < self.today

    @property
    def expiring(self) -> bool:
        return (
            self.next_expiry is not None
            and self.today <= self.next_expiry <= self.today + timedelta(days=EXPIRING_WITHIN_DAYS)
        )


def overview(user: User, *, today: date | None = None) -> list[OverviewRow]:
    """Every study ``user`` may see with its sites, enrolment against target and next
    approval expiry. Four queries, whatever the number of studies, sites and months: the
    studies, then one aggregate each for sites, enrolment and approvals."""
    today = today or timezone.localdate()
    studies = list(studies_for(user).order_by("title", "pk"))
    if not studies:
        return []
    whole_study = permissions.can_see_study_totals(user)
    sites = permissions.sites_visible_to(user)
    per_site = {
        row["study_id"]: row
        for row in sites.values("study_id").annotate(n=Count("pk"), target=Sum("target")).order_by()
    }
    enrolled = dict(
        permissions.enrolment_visible_to(user)
        .values_list("site__study_id")
        .annotate(total=Sum("count"))
        .order_by()
    )
    expiry = dict(
        permissions.approvals_visible_to(user)
        .current()
        .filter(expires_on__isnull=False)
        .exclude(site__status=SiteStatus.CLOSED)
        .values_list("site__study_id")
        .annotate(first=Min("expires_on"))
        .order_by()
    )
    rows = []
    for study in studies:
        site_row = per_site.get(study.pk, {})
        target = site_row.get("target") or None
        if whole_study and study.target_enrolment:
            target = study.target_enrolment
        rows.append(
            OverviewRow(
                study=study,
                sites=site_row.get("n", 0),
                enrolled=enrolled.get(study.pk) or 0,
                target=target,
                next_expiry=expiry.get(study.pk),
                today=today,
            )
        )
    return rows


# --- studies of an institution, of a person ------------------------------------------------


def studies_of_institution(institution: Institution) -> QuerySet[Study]:
    """Studies the institution leads or has a site in (not filtered by user: callers
    intersect with ``permissions.studies_visible_to``)."""
    return Study.objects.filter(
        Q(lead_institution=institution)
        | Exists(Site.objects.filter(study=OuterRef("pk"), institution=institution))
    )


def studies_of_person(person: Person) -> QuerySet[Study]:
    """Studies whose team the person is in: PI, team member, a site's PI or coordinator
    (not filtered by user)."""
    return permissions.team_studies(person.pk)


@dataclass(frozen=True)
class PersonStudy:
    study: Study
    roles: tuple[str, ...]  # labels: "Principal investigator", "Site PI (Loma Linda …)"


def person_studies(user: User, person: Person) -> list[PersonStudy]:
    """The studies ``user`` may see in which ``person`` has a role, each with the roles:
    three queries."""
    studies = list(
        studies_of_person(person)
        .filter(pk__in=permissions.studies_visible_to(user).values("pk"))
        .order_by(F("start_on").desc(nulls_last=True), "title")
    )
    if not studies:
        return []
    ids = [study.pk for study in studies]
    roles: dict[int, list[str]] = defaultdict(list)
    for study in studies:
        if study.principal_investigator_id == person.pk:
            roles[study.pk].append(_("Principal investigator"))
    labels = dict(MemberRole.choices)
    for member in StudyMember.objects.filter(study_id__in=ids, person=person).order_by("role"):
        if member.role == MemberRole.PI and _is_lead_pi(studies, member.study_id, person):
            continue
        roles[member.study_id].append(str(labels[member.role]))
    visible = permissions.sites_visible_to(user).filter(study_id__in=ids)
    for site in visible.filter(Q(site_pi=person) | Q(coordinator=person)).select_related(
        "institution"
    ):
        place = site.institution.display_short_name
        if site.site_pi_id == person.pk:
            roles[site.study_id].append(_("Site PI at %(site)s") % {"site": place})
        if site.coordinator_id == person.pk:
            roles[site.study_id].append(_("Site coordinator at %(site)s") % {"site": place})
    return [
        PersonStudy(study=study, roles=tuple(roles[study.pk]))
        for study in studies
        if roles[study.pk]
    ]


def _is_lead_pi(studies: list[Study], study_id: int, person: Person) -> bool:
    """Whether ``person`` is the lead PI of the study (so a "pi" team row says nothing
    more)."""
    return any(s.pk == study_id and s.principal_investigator_id == person.pk for s in studies)
