"""Who may see and do what in joint research. Pages, exports and the API reach studies,
sites, approvals and enrolment only through these helpers (and ``selectors``, which start
from them).

- office staff: everything — create studies, edit any, add sites, record approvals;
- the study's own team — its principal investigator, the people of its team
  (``StudyMember``) and its sites' PIs and coordinators, and whoever started it — edit the
  study, when they are home staff (a login of the hospital, not a partner contact);
- department coordinators and staff members: read every study, site and figure; a
  department coordinator may also start a study;
- partner contacts: only the studies their institution has a site in, and within them the
  study's own data and their own site — never another site, its enrolment or approvals,
  nor the study's total enrolment (the REDCap data-access-group rule). They enter their
  own site's enrolment;
- anonymous visitors: nothing.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from amity.research.models import Enrolment, EthicsApproval, Site, Study, StudyMember


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_home_staff(user) -> bool:
    """A login of the hospital (office staff, coordinator, staff member)."""
    return _signed_in(user) and not user.is_partner_contact


def partner_institution_id(user) -> int | None:
    """The institution a partner contact speaks for (None for everyone else, and for a
    contact not linked to a directory entry — who then sees nothing)."""
    if not (_signed_in(user) and user.is_partner_contact):
        return None
    person = user.person
    return person.institution_id if person is not None else None


def _person_id(user) -> int | None:
    if not _signed_in(user):
        return None
    person = user.person
    return person.pk if person is not None else None


def can_manage_research(user) -> bool:
    """Office staff: every study, site and approval."""
    return _signed_in(user) and user.is_office_staff


def can_create_study(user) -> bool:
    return can_manage_research(user) or (_signed_in(user) and user.is_coordinator)


def can_read_all(user) -> bool:
    """Home staff read every study, site and figure."""
    return is_home_staff(user)


def team_studies(person_id: int) -> QuerySet[Study]:
    """The studies whose own team the person is in: its PI, a member, or a site's PI or
    coordinator."""
    return Study.objects.filter(
        Q(principal_investigator_id=person_id)
        | Exists(StudyMember.objects.filter(study=OuterRef("pk"), person_id=person_id))
        | Exists(
            Site.objects.filter(study=OuterRef("pk")).filter(
                Q(site_pi_id=person_id) | Q(coordinator_id=person_id)
            )
        )
    )


def is_study_team(user, study: Study) -> bool:
    """Whether the user is home staff of the study's own team (or started the study)."""
    if not is_home_staff(user):
        return False
    if study.created_by_id is not None and study.created_by_id == user.pk:
        return True
    person_id = _person_id(user)
    if person_id is None:
        return False
    return team_studies(person_id).filter(pk=study.pk).exists()


def can_edit_study(user, study: Study) -> bool:
    """Office staff and the study's own team (home staff) edit the study: its details,
    team, identifiers, sites, approvals, documents, meetings and papers."""
    return can_manage_research(user) or is_study_team(user, study)


def studies_visible_to(user) -> QuerySet[Study]:
    """Every study for home staff; for a partner contact those their institution has a
    site in; none for anyone else."""
    if is_home_staff(user):
        return Study.objects.all()
    institution_id = partner_institution_id(user)
    if institution_id is None:
        return Study.objects.none()
    return Study.objects.filter(
        Exists(Site.objects.filter(study=OuterRef("pk"), institution_id=institution_id))
    )


def can_see_study(user, study: Study) -> bool:
    return studies_visible_to(user).filter(pk=study.pk).exists()


def sites_visible_to(user) -> QuerySet[Site]:
    """Every site for home staff; a partner contact's own institution's sites; none else."""
    if is_home_staff(user):
        return Site.objects.all()
    institution_id = partner_institution_id(user)
    if institution_id is None:
        return Site.objects.none()
    return Site.objects.filter(institution_id=institution_id)


def visible_sites(user, study: Study) -> QuerySet[Site]:
    """The study's sites the user may see: all of them for home staff, their own for a
    partner contact."""
    return sites_visible_to(user).filter(study=study)


def can_see_site(user, site: Site) -> bool:
    if is_home_staff(user):
        return True
    institution_id = partner_institution_id(user)
    return institution_id is not None and site.institution_id == institution_id


def can_see_study_totals(user) -> bool:
    """The whole study's enrolment (all sites added up) and the other sites: home staff."""
    return is_home_staff(user)


def can_enter_enrolment(user, site: Site) -> bool:
    """Office staff and the study's team for any of its sites; a partner contact for
    their own institution's site."""
    if can_edit_study(user, site.study):
        return True
    institution_id = partner_institution_id(user)
    return institution_id is not None and site.institution_id == institution_id


def can_record_approval(user, site: Site) -> bool:
    """Approvals are recorded by the office and the study's team (a partner sends its
    approval letter; the team records it)."""
    return can_edit_study(user, site.study)


def approvals_visible_to(user) -> QuerySet[EthicsApproval]:
    """The approvals of the sites the user may see."""
    if is_home_staff(user):
        return EthicsApproval.objects.all()
    return EthicsApproval.objects.filter(site__in=sites_visible_to(user))


def enrolment_visible_to(user) -> QuerySet[Enrolment]:
    """The monthly counts of the sites the user may see."""
    if is_home_staff(user):
        return Enrolment.objects.all()
    return Enrolment.objects.filter(site__in=sites_visible_to(user))
