"""Writes for joint research: studies and their team, registry identifiers, sites and the
agreements they signed, ethics approvals, monthly enrolment, papers, and the links to
meetings and shared documents.

Every function takes the acting user as ``by``, checks their right first (raising
``PermissionDenied``), validates before it writes (raising ``ValidationError`` with a
message a person can act on) and runs in one transaction, so a refused change writes
nothing. Pages, the API, the demo and the management command all call these.

Enrolment is a count per site per month and nothing else: ``enrolment_enter`` writes or
replaces one month's figure under the site's lock, so two coordinators saving the same
month at once leave one row with the last figure.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.core.services import save_validated
from amity.directory.models import Institution, Person
from amity.events.models import Activity
from amity.relations.models import Agreement
from amity.research import permissions, reminders
from amity.research.models import (
    SITE_AGREEMENT_KINDS,
    Enrolment,
    EthicsApproval,
    MemberRole,
    Publication,
    RegistryId,
    Site,
    SiteStatus,
    Study,
    StudyMember,
    StudyStatus,
    first_of_month,
)
from amity.sharing.models import Document, Tag

STUDY_FIELDS = frozenset(
    {
        "title",
        "title_local",
        "acronym",
        "design",
        "status",
        "lead_institution",
        "principal_investigator",
        "summary",
        "summary_local",
        "target_enrolment",
        "start_on",
        "end_on",
    }
)
STUDY_LINKS = frozenset({"topics", "documents", "activities"})
SITE_FIELDS = frozenset({"site_pi", "coordinator", "status", "target", "joined_on"})
PUBLICATION_FIELDS = frozenset(
    {"title", "authors", "journal", "year", "volume", "issue", "pages", "doi", "url"}
)
MAX_MONTHLY_ENROLMENT = 100_000


def _author(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _only(fields: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        # A programming error, not a user's: say which names are wrong.
        raise TypeError(f"{what} has no field(s) {', '.join(sorted(unknown))}")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not change this study."))


def _set_links(study: Study, links: dict[str, Iterable]) -> None:
    for name, values in links.items():
        getattr(study, name).set(list(values))


# --- studies -------------------------------------------------------------------------------


@transaction.atomic
def study_create(*, by: User, **fields: Any) -> Study:
    """A new study (office staff and department coordinators). ``topics``, ``documents``
    and ``activities`` may be given as iterables of tags, documents and activities."""
    if not permissions.can_create_study(by):
        raise PermissionDenied(_("You may not start a study."))
    links = {name: fields.pop(name) for name in list(fields) if name in STUDY_LINKS}
    _only(fields, STUDY_FIELDS, "Study")
    study = save_validated(Study(created_by=_author(by)), fields)
    _set_links(study, links)
    return study


@transaction.atomic
def study_update(*, by: User, study: Study, **fields: Any) -> Study:
    """Change the study's details (office staff and the study's own team). Links given
    (``topics``, ``documents``, ``activities``) replace the old ones."""
    _require(permissions.can_edit_study(by, study))
    links = {name: fields.pop(name) for name in list(fields) if name in STUDY_LINKS}
    _only(fields, STUDY_FIELDS, "Study")
    study = save_validated(study, fields)
    _set_links(study, links)
    return study


@transaction.atomic
def study_set_status(*, by: User, study: Study, status: str) -> Study:
    """Move the study to ``status`` (a ``StudyStatus`` value; any step, so a mistake can
    be corrected). Enrolling needs at least one site."""
    _require(permissions.can_edit_study(by, study))
    if status not in StudyStatus.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    if status == StudyStatus.ENROLLING and not study.sites.exists():
        raise ValidationError(
            {"status": _("Add at least one site before the study starts enrolling.")}
        )
    return save_validated(study, {"status": status})


@transaction.atomic
def study_member_add(*, by: User, study: Study, person: Person, role: str) -> StudyMember:
    """Put ``person`` on the study's team in ``role`` (once per role)."""
    _require(permissions.can_edit_study(by, study))
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    return save_validated(StudyMember(study=study), {"person": person, "role": role})


@transaction.atomic
def study_member_remove(*, by: User, study: Study, person: Person, role: str) -> bool:
    """Take ``person`` off the team in ``role``. Returns whether they were on it."""
    _require(permissions.can_edit_study(by, study))
    deleted, _rows = StudyMember.objects.filter(study=study, person=person, role=role).delete()
    return deleted > 0


@transaction.atomic
def study_link_activity(*, by: User, study: Study, activity: Activity) -> Study:
    """List a call or meeting (an activity of the events app) on the study."""
    _require(permissions.can_edit_study(by, study))
    study.activities.add(activity)
    return study


@transaction.atomic
def study_unlink_activity(*, by: User, study: Study, activity: Activity) -> Study:
    _require(permissions.can_edit_study(by, study))
    study.activities.remove(activity)
    return study


@transaction.atomic
def study_link_document(*, by: User, study: Study, document: Document) -> Study:
    """List a shared document (protocol, consent form) on the study; its versions and
    who may read it stay the document's own."""
    _require(permissions.can_edit_study(by, study))
    study.documents.add(document)
    return study


@transaction.atomic
def study_unlink_document(*, by: User, study: Study, document: Document) -> Study:
    _require(permissions.can_edit_study(by, study))
    study.documents.remove(document)
    return study


@transaction.atomic
def study_set_topics(*, by: User, study: Study, topics: Iterable[Tag]) -> Study:
    _require(permissions.can_edit_study(by, study))
    study.topics.set(list(topics))
    return study


# --- registry identifiers ------------------------------------------------------------------


@transaction.atomic
def registry_id_add(*, by: User, study: Study, registry: str, identifier: str) -> RegistryId:
    """Add the study's identifier in a registry, checked by format and stored in its normal
    spelling (``NCT04280705``, ``ChiCTR2000029308``)."""
    _require(permissions.can_edit_study(by, study))
    return save_validated(RegistryId(study=study), {"registry": registry, "identifier": identifier})


@transaction.atomic
def registry_id_remove(*, by: User, registry_id: RegistryId) -> None:
    _require(permissions.can_edit_study(by, registry_id.study))
    registry_id.delete()


# --- sites ---------------------------------------------------------------------------------


@transaction.atomic
def site_add(
    *,
    by: User,
    study: Study,
    institution: Institution,
    site_pi: Person | None = None,
    coordinator: Person | None = None,
    target: int | None = None,
    status: str = SiteStatus.INVITED,
    joined_on: date | None = None,
) -> Site:
    """Add ``institution`` as a site of the study (once per study). The site's PI and
    coordinator work at that institution."""
    _require(permissions.can_edit_study(by, study))
    site = Site(study=study)
    fields = {
        "institution": institution,
        "site_pi": site_pi,
        "coordinator": coordinator,
        "target": target,
        "status": status,
        "joined_on": joined_on,
    }
    _check_site_people(institution, site_pi, coordinator)
    return save_validated(site, fields)


@transaction.atomic
def site_update(*, by: User, site: Site, **fields: Any) -> Site:
    """Change a site's PI, coordinator, status, target or the day it joined."""
    _require(permissions.can_edit_study(by, site.study))
    _only(fields, SITE_FIELDS, "Site")
    _check_site_people(
        site.institution,
        fields.get("site_pi", site.site_pi),
        fields.get("coordinator", site.coordinator),
    )
    return save_validated(site, fields)


def _check_site_people(
    institution: Institution, site_pi: Person | None, coordinator: Person | None
) -> None:
    errors = {}
    for field, person in (("site_pi", site_pi), ("coordinator", coordinator)):
        if person is not None and person.institution_id != institution.pk:
            errors[field] = _("%(person)s does not work at %(institution)s.") % {
                "person": person.full_name,
                "institution": institution.name,
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def site_link_agreement(*, by: User, site: Site, agreement: Agreement) -> Site:
    """Link an agreement the site's institution signed (collaboration or data sharing)."""
    _require(permissions.can_edit_study(by, site.study))
    if agreement.kind not in SITE_AGREEMENT_KINDS:
        raise ValidationError(
            {"agreement": _("Link a research collaboration, data-sharing or framework agreement.")}
        )
    if not agreement.partners.filter(pk=site.institution_id).exists():
        raise ValidationError(
            {
                "agreement": _("%(institution)s is not a party to this agreement.")
                % {"institution": site.institution.name}
            }
        )
    site.agreements.add(agreement)
    return site


@transaction.atomic
def site_unlink_agreement(*, by: User, site: Site, agreement: Agreement) -> Site:
    _require(permissions.can_edit_study(by, site.study))
    site.agreements.remove(agreement)
    return site


# --- ethics approvals ----------------------------------------------------------------------


@transaction.atomic
def approval_record(
    *,
    by: User,
    site: Site,
    committee: str,
    reference: str,
    approved_on: date,
    expires_on: date | None = None,
    document: Document | None = None,
) -> EthicsApproval:
    """Record an ethics committee's approval for a site (a renewal is a new approval; the
    latest is in force). Queues the reminders before it expires, after the commit."""
    if not permissions.can_record_approval(by, site):
        raise PermissionDenied(_("You may not record approvals for this site."))
    if approved_on and approved_on > timezone.localdate():
        raise ValidationError({"approved_on": _("An approval cannot be dated in the future.")})
    approval = save_validated(
        EthicsApproval(site=site, created_by=_author(by)),
        {
            "committee": committee,
            "reference": reference,
            "approved_on": approved_on,
            "expires_on": expires_on,
            "document": document,
        },
    )
    reminders.reminders_schedule(approval=approval)
    return approval


@transaction.atomic
def approval_remove(*, by: User, approval: EthicsApproval) -> None:
    """Remove an approval recorded by mistake (its reminders go with it)."""
    if not permissions.can_record_approval(by, approval.site):
        raise PermissionDenied(_("You may not record approvals for this site."))
    approval.delete()


def approvals_send_reminders(*, today: date | None = None) -> int:
    """Send every approval reminder due ``today`` (each in its own transaction); returns
    how many were sent. Safe to run any number of times a day."""
    return reminders.reminders_send_due(today=today)


# --- enrolment -----------------------------------------------------------------------------


def _whole_count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValidationError({"count": _("Enter a whole number of participants.")})
    if count < 0:
        raise ValidationError({"count": _("A count cannot be negative.")})
    if count > MAX_MONTHLY_ENROLMENT:
        raise ValidationError(
            {
                "count": _("That is more than %(limit)s in one month: check the figure.")
                % {"limit": MAX_MONTHLY_ENROLMENT}
            }
        )
    return count


def enrolment_enter(*, by: User, site: Site, month: date, count: int) -> Enrolment:
    """Enter (or correct) how many participants ``site`` enrolled in ``month`` — any day
    of it stands for the month. One row per site and month: a second entry replaces the
    figure. Office staff and the study's team enter for any site, a partner contact for
    their own institution's site only. Months ahead of this one are refused."""
    if not permissions.can_enter_enrolment(by, site):
        raise PermissionDenied(_("You may not enter enrolment for this site."))
    count = _whole_count(count)
    if not isinstance(month, date):
        raise ValidationError({"month": _("Enter a month.")})
    month = first_of_month(month)
    if month > first_of_month(timezone.localdate()):
        raise ValidationError({"month": _("Enrolment is entered for months that have begun.")})
    with transaction.atomic():
        # The site's lock serialises two entries of the same month (PostgreSQL; on SQLite
        # the IMMEDIATE transaction does): the second replaces the first's figure.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        entry, _created = Enrolment.objects.update_or_create(
            site=site,
            month=month,
            defaults={"count": count, "entered_by": _author(by), "entered_at": timezone.now()},
        )
    return entry


def enrolment_enter_months(
    *, by: User, site: Site, counts: dict[date, int | None]
) -> list[Enrolment]:
    """Enter several months at once (the month grid): months given as None are left as
    they are. All or nothing."""
    with transaction.atomic():
        return [
            enrolment_enter(by=by, site=site, month=month, count=count)
            for month, count in sorted(counts.items())
            if count is not None
        ]


# --- publications --------------------------------------------------------------------------


@transaction.atomic
def publication_add(*, by: User, study: Study, **fields: Any) -> Publication:
    """A paper of the study; the DOI is checked by format and stored in lower case,
    without a resolver prefix. The same DOI is listed once per study."""
    _require(permissions.can_edit_study(by, study))
    _only(fields, PUBLICATION_FIELDS, "Publication")
    return save_validated(Publication(study=study), fields)


@transaction.atomic
def publication_update(*, by: User, publication: Publication, **fields: Any) -> Publication:
    _require(permissions.can_edit_study(by, publication.study))
    _only(fields, PUBLICATION_FIELDS, "Publication")
    return save_validated(publication, fields)


@transaction.atomic
def publication_remove(*, by: User, publication: Publication) -> None:
    _require(permissions.can_edit_study(by, publication.study))
    publication.delete()
