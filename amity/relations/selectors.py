"""Reads for agreements, letters and the partner page, always starting from what the user
may see (``permissions`` here, in ``events`` and in ``sharing``)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Max, Min, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.directory.models import Institution, PartnershipStatus, Person
from amity.events.models import Activity, SessionStatus
from amity.events.permissions import activities_visible_to
from amity.relations import extensions, permissions
from amity.relations import letters as letter_texts
from amity.relations.extensions import TimelineEntry
from amity.relations.models import (
    Agreement,
    AgreementState,
    Campaign,
    IncomingLetter,
    Letter,
    LetterState,
    RecipientList,
    Reply,
)

# --- agreements --------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementFilters:
    q: str = ""
    institution: int | None = None
    state: str = ""
    expiring_before: date | None = None


def agreement_list(*, user: User, filters: AgreementFilters) -> QuerySet[Agreement]:
    qs = permissions.agreements_visible_to(user).with_state()
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(scope__icontains=filters.q))
    if filters.institution:
        qs = qs.filter(pk__in=Agreement.objects.filter(partners=filters.institution).values("pk"))
    if filters.state:
        qs = qs.in_state(filters.state)
    if filters.expiring_before:
        qs = qs.filter(expires_on__isnull=False, expires_on__lt=filters.expiring_before)
    return qs.prefetch_related(_partners_prefetch()).order_by(
        F("expires_on").asc(nulls_last=True), "title", "pk"
    )


def _partners_prefetch() -> Prefetch:
    return Prefetch("partners", queryset=Institution.objects.order_by("name"))


# --- letters and campaigns ---------------------------------------------------------------


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    return (
        permissions.campaigns_visible_to(user)
        .annotate(letter_count=Count("letters"))
        .select_related("sent_by", "sent_by__directory_person")
        .order_by("-created_at", "-pk")
    )


def _matching_people(campaign: Campaign) -> QuerySet[Person]:
    qs = Person.objects.exclude(institution__partnership_status=PartnershipStatus.HOME)
    if campaign.countries:
        qs = qs.filter(institution__country__in=campaign.countries)
    if campaign.partnership_statuses:
        qs = qs.filter(institution__partnership_status__in=campaign.partnership_statuses)
    if campaign.institution_kinds:
        qs = qs.filter(institution__kind__in=campaign.institution_kinds)
    if campaign.recipient_list_id:
        members = RecipientList.people.through.objects.filter(
            recipientlist_id=campaign.recipient_list_id
        )
        qs = qs.filter(pk__in=members.values("person_id"))
    return qs


def campaign_recipients(campaign: Campaign) -> QuerySet[Person]:
    """Who receives the campaign: people of partner institutions (never the home
    hospital) matching every filter set — countries, partnership statuses, kinds of
    institution, the saved list — and, for email, with an address."""
    qs = _matching_people(campaign)
    if campaign.by_email:
        qs = qs.exclude(email="")
    return (
        qs.select_related("institution")
        .prefetch_related("languages")
        .order_by("institution__name", "family_name", "given_name", "pk")
    )


def campaign_left_out(campaign: Campaign) -> int:
    """How many people match the filters but have no email address (email campaigns)."""
    if not campaign.by_email:
        return 0
    return _matching_people(campaign).filter(email="").count()


@dataclass
class PreviewLetter:
    person: Person
    language: str
    rendered: letter_texts.Rendered
    parts: list[tuple[str, str, str]] = field(default_factory=list)

    def get_language_display(self) -> str:
        from amity.relations.models import LetterLanguage

        return LetterLanguage(self.language).label


def preview_letter(campaign: Campaign, person: Person) -> PreviewLetter:
    """The letter ``person`` would get, rendered but not stored."""
    rendered = letter_texts.letter_for(campaign=campaign, person=person)
    language = rendered.language
    parts = [
        (code, getattr(rendered, f"subject_{code}"), getattr(rendered, f"body_{code}"))
        for code in ("zh", "en")
        if getattr(rendered, f"body_{code}")
    ]
    return PreviewLetter(person=person, language=language, rendered=rendered, parts=parts)


PROGRESS_STATES = ["sent", "queued", "sending", "retrying", "failed", "pdf"]


def campaign_progress(campaign: Campaign) -> dict[str, Any]:
    """How far the campaign's letters have got, from each letter's email: counts of
    sent, queued, sending, retrying, failed and PDF-only letters, the total, and whether
    nothing is left to happen."""
    rows = (
        Letter.objects.filter(campaign=campaign)
        .values("email__status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(PROGRESS_STATES, 0)
    for row in rows:
        counts[row["email__status"] or LetterState.PDF] += row["n"]
    counts["total"] = sum(counts[state] for state in PROGRESS_STATES)
    counts["done"] = counts["queued"] + counts["sending"] + counts["retrying"] == 0
    return counts


def campaign_letters(campaign: Campaign) -> QuerySet[Letter]:
    return (
        Letter.objects.filter(campaign=campaign)
        .select_related("email", "institution", "person")
        .order_by("institution__name", "recipient_name", "pk")
    )


def letter_list(
    *, user: User, institution: int | None = None, campaign: int | None = None
) -> QuerySet[Letter]:
    qs = permissions.letters_visible_to(user).select_related(
        "email", "institution", "person", "campaign"
    )
    if institution:
        qs = qs.filter(institution_id=institution)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    return qs.order_by("-created_at", "pk")


def letter_replies(*, user: User, letter: Letter) -> list[Reply]:
    return list(permissions.replies_visible_to(user).filter(letter=letter))


# --- the partner page --------------------------------------------------------------------

TIMELINE_KINDS = ["agreement", "activity", "letter", "document"]


def timeline_kinds() -> list[str]:
    """Relations' own kinds, then those other apps registered (``extensions``)."""
    return TIMELINE_KINDS + [
        source.kind for source in extensions.timeline_sources() if source.kind not in TIMELINE_KINDS
    ]


def _local_day(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def _sort_key(entry: TimelineEntry) -> tuple:
    return (entry.day, entry.kind, entry.title)


def partner_agreements(*, user: User, institution: Institution) -> list[Agreement]:
    return list(
        permissions.agreements_visible_to(user)
        .with_state()
        .filter(pk__in=Agreement.objects.filter(partners=institution).values("pk"))
        .order_by(F("expires_on").desc(nulls_first=True), "title")
    )


def partner_activities(*, user: User, institution: Institution) -> list[Activity]:
    """Activities done with the institution (as a partner, or with its people taking
    part) that the user may see, with their first start and last end."""
    together = Activity.objects.filter(
        Q(partners=institution) | Q(participations__person__institution=institution)
    ).values("pk")
    scheduled = Q(sessions__status=SessionStatus.SCHEDULED)
    return list(
        activities_visible_to(user)
        .filter(pk__in=together)
        .annotate(
            first_start=Min("sessions__starts_at", filter=scheduled),
            last_end=Max("sessions__ends_at", filter=scheduled),
        )
        .order_by(F("first_start").desc(nulls_last=True), "title")
    )


def partner_letters(*, user: User, institution: Institution) -> list[Letter]:
    return list(
        letter_list(user=user, institution=institution.pk).annotate(reply_count=Count("replies"))
    )


def partner_replies(*, user: User, institution: Institution) -> list[Reply]:
    return list(
        permissions.replies_visible_to(user)
        .filter(letter__institution=institution)
        .select_related("letter")
        .order_by("-received_on", "-pk")
    )


def partner_incoming_letters(*, user: User, institution: Institution) -> list[IncomingLetter]:
    return list(
        permissions.incoming_letters_visible_to(user)
        .filter(institution=institution)
        .select_related("sender")
    )


def partner_documents(*, user: User, institution: Institution) -> list:
    """The shared documents the user may see that are shared with the institution, from
    the sharing app (an empty list until it is installed)."""
    try:
        from amity.sharing.selectors import shared_with_institution
    except ImportError:
        return []
    return list(shared_with_institution(user=user, institution=institution))


def _document_entry(document: Model) -> TimelineEntry | None:
    when = getattr(document, "updated_at", None) or getattr(document, "created_at", None)
    if when is None:
        return None
    title = getattr(document, "display_title", None) or getattr(document, "title", "")
    return TimelineEntry(
        kind="document",
        day=_local_day(when),
        title=title or str(document),
        url=document.get_absolute_url(),
        what=_("Document shared"),
    )


def _agreement_entries(agreement: Agreement, today: date) -> list[TimelineEntry]:
    entries = []
    state = agreement.current_state
    common = {
        "kind": "agreement",
        "title": agreement.title,
        "url": agreement.get_absolute_url(),
        "state": state,
        "state_label": AgreementState(state).label,
        "detail": agreement.get_kind_display(),
    }
    start = agreement.signed_on or _local_day(agreement.created_at)
    what = _("Agreement signed") if agreement.signed_on else _("Agreement drafted")
    entries.append(TimelineEntry(day=start, what=what, **common))
    if agreement.expires_on and state != AgreementState.DRAFT:
        expired = agreement.expires_on < today
        entries.append(
            TimelineEntry(
                day=agreement.expires_on,
                what=_("Agreement expired") if expired else _("Agreement expires"),
                upcoming=not expired,
                **common,
            )
        )
    return entries


def _activity_entry(activity: Activity, now: datetime) -> TimelineEntry:
    start = activity.first_start or activity.created_at
    upcoming = bool(activity.last_end and activity.last_end >= now)
    return TimelineEntry(
        kind="activity",
        day=_local_day(start),
        title=activity.display_title,
        url=activity.get_absolute_url(),
        what=activity.get_kind_display(),
        state=activity.status,
        state_label=activity.get_status_display(),
        detail=(
            _("until %(day)s")
            % {"day": formats.date_format(_local_day(activity.last_end), "DATE_FORMAT")}
            if activity.last_end and _local_day(activity.last_end) != _local_day(start)
            else ""
        ),
        upcoming=upcoming,
    )


def _letter_entries(
    letters: list[Letter], replies: list[Reply], incoming: list[IncomingLetter]
) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            kind="letter",
            day=_local_day(letter.created_at),
            title=letter.subject,
            url=letter.get_absolute_url(),
            what=_("Letter sent"),
            state=letter.state,
            state_label=letter.get_state_display(),
            detail=letter.recipient_name,
        )
        for letter in letters
    ]
    entries += [
        TimelineEntry(
            kind="letter",
            day=reply.received_on,
            title=Truncator(reply.summary).chars(100),
            url=reply.letter.get_absolute_url(),
            what=_("Reply received"),
            detail=reply.letter.recipient_name,
        )
        for reply in replies
    ]
    entries += [
        TimelineEntry(
            kind="letter",
            day=received.received_on,
            title=received.subject,
            url="",
            what=_("Letter received"),
            detail=received.from_name,
        )
        for received in incoming
    ]
    return entries


def build_timeline(
    *,
    agreements: list[Agreement] = (),
    activities: list[Activity] = (),
    letters: list[Letter] = (),
    replies: list[Reply] = (),
    incoming: list[IncomingLetter] = (),
    documents: list = (),
    registered: list[TimelineEntry] = (),
) -> list[TimelineEntry]:
    """Everything dated, newest first (upcoming things at the top): relations' own
    entries and the ``registered`` ones other apps give (``registered_entries``)."""
    today, now = timezone.localdate(), timezone.now()
    entries: list[TimelineEntry] = []
    for agreement in agreements:
        entries += _agreement_entries(agreement, today)
    entries += [_activity_entry(activity, now) for activity in activities]
    entries += _letter_entries(list(letters), list(replies), list(incoming))
    entries += [e for e in (_document_entry(d) for d in documents) if e is not None]
    entries += registered
    return sorted(entries, key=_sort_key, reverse=True)


def partner_timeline(
    *, user: User, institution: Institution, kinds: list[str] | None = None
) -> list[TimelineEntry]:
    """The partner's timeline as ``user`` may see it: only ``kinds`` (all by default),
    reading only what those kinds need."""
    wanted = _wanted(kinds)
    return build_timeline(
        **_sources(user=user, institution=institution, kinds=wanted),
        registered=registered_entries(user=user, institution=institution, kinds=wanted),
    )


def _wanted(kinds: list[str] | None) -> list[str]:
    every = timeline_kinds()
    return [k for k in every if k in (kinds or every)] or every


def registered_entries(
    *, user: User, institution: Institution, kinds: list[str]
) -> list[TimelineEntry]:
    """The entries of the sources other apps registered, for the ``kinds`` wanted only
    (a source is not read when its kind is filtered out)."""
    today = timezone.localdate()
    entries: list[TimelineEntry] = []
    for source in extensions.timeline_sources():
        if source.kind in kinds:
            entries += source.entries(user, institution, today)
    return entries


def _sources(*, user: User, institution: Institution, kinds: list[str]) -> dict[str, list]:
    sources: dict[str, list] = {}
    if "agreement" in kinds:
        sources["agreements"] = partner_agreements(user=user, institution=institution)
    if "activity" in kinds:
        sources["activities"] = partner_activities(user=user, institution=institution)
    if "letter" in kinds:
        sources["letters"] = partner_letters(user=user, institution=institution)
        sources["replies"] = partner_replies(user=user, institution=institution)
        sources["incoming"] = partner_incoming_letters(user=user, institution=institution)
    if "document" in kinds:
        sources["documents"] = partner_documents(user=user, institution=institution)
    return sources


def partner_page(*, user: User, institution: Institution, kinds: list[str] | None = None) -> dict:
    """What the partner page shows besides the directory's own fields: agreements,
    activities (upcoming and past), letters sent and received, documents shared, and the
    timeline of all of them and of the kinds other apps registered (only ``kinds`` in the
    timeline, when given). A fixed number of queries, whatever the number of rows."""
    sources = _sources(user=user, institution=institution, kinds=TIMELINE_KINDS)
    wanted = _wanted(kinds)
    now = timezone.now()
    activities = sources["activities"]
    registered = registered_entries(user=user, institution=institution, kinds=wanted)
    timeline = build_timeline(**sources, registered=registered)
    return {
        **sources,
        "upcoming_activities": [a for a in activities if a.last_end and a.last_end >= now],
        "past_activities": [a for a in activities if not (a.last_end and a.last_end >= now)],
        "timeline": [entry for entry in timeline if entry.kind in wanted],
        "timeline_kinds": wanted,
    }


def office_staff_addresses() -> list[str]:
    """Email addresses of the international affairs office (active office-staff logins,
    their login's address or else their directory entry's), for reminders."""
    from amity.accounts.models import Role, User

    addresses: list[str] = []
    users = (
        User.objects.filter(Q(role=Role.OFFICE_STAFF) | Q(is_superuser=True), is_active=True)
        .annotate(
            person_email=Subquery(Person.objects.filter(user=OuterRef("pk")).values("email")[:1])
        )
        .order_by("pk")
    )
    for user in users:
        address = user.email or user.person_email or ""
        if address and address not in addresses:
            addresses.append(address)
    return addresses
