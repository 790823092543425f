"""The letters' figures for the reports (amity.core.figures), and letters as a kind of
exchange with partners."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.core.figures import Figure, Item, Period
from amity.core.models import OutboundEmail
from amity.directory.models import PartnershipStatus
from amity.relations.models import IncomingLetter, Letter, Reply


def letters_sent(period: Period) -> QuerySet[Letter]:
    """Letters of sent campaigns issued in the period, by email or printed; a letter whose
    email failed for good did not reach anyone and is left out."""
    return Letter.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.stop_at
    ).exclude(email__status=OutboundEmail.Status.FAILED)


def replies(period: Period) -> QuerySet[Reply]:
    return Reply.objects.filter(received_on__gte=period.start, received_on__lte=period.end)


def incoming(period: Period) -> QuerySet[IncomingLetter]:
    return IncomingLetter.objects.filter(received_on__gte=period.start, received_on__lte=period.end)


def institutions_written_to_or_from(period: Period) -> set[int]:
    """Partner institutions a letter was sent to or received from in the period."""
    home = Q(institution__partnership_status=PartnershipStatus.HOME)
    ids = set(
        letters_sent(period).order_by().exclude(home).values_list("institution_id", flat=True)
    )
    ids |= set(
        replies(period)
        .order_by()
        .exclude(letter__institution__partnership_status=PartnershipStatus.HOME)
        .values_list("letter__institution_id", flat=True)
    )
    ids |= set(incoming(period).order_by().exclude(home).values_list("institution_id", flat=True))
    return ids


def _institution(institution) -> str:
    return in_reader_language(institution.name, institution.name_local) if institution else ""


def _sent_items(period: Period) -> list[Item]:
    rows = (
        letters_sent(period)
        .select_related("institution", "campaign", "email")
        .order_by("created_at", "pk")
    )
    return [
        Item(
            label=letter.subject or letter.campaign.name,
            url=letter.get_absolute_url(),
            cells=(
                letter.recipient_name,
                _institution(letter.institution),
                countries.name(letter.institution.country),
                timezone.localtime(letter.created_at).date(),
                letter.get_state_display(),
            ),
        )
        for letter in rows
    ]


def _received_items(period: Period) -> list[Item]:
    items = []
    for reply in replies(period).select_related("letter", "letter__institution"):
        institution = reply.letter.institution
        items.append(
            Item(
                label=reply.summary[:120] or reply.letter.subject,
                url=reply.letter.get_absolute_url(),
                cells=(
                    reply.letter.recipient_name,
                    _institution(institution),
                    countries.name(institution.country),
                    reply.received_on,
                    str(_("Reply to our letter")),
                ),
            )
        )
    for letter in incoming(period).select_related("institution", "sender"):
        items.append(
            Item(
                label=letter.subject,
                url=letter.institution.get_absolute_url(),
                cells=(
                    letter.sender.full_name if letter.sender_id else letter.sender_name,
                    _institution(letter.institution),
                    countries.name(letter.institution.country),
                    letter.received_on,
                    str(_("Letter from the partner")),
                ),
            )
        )
    return sorted(items, key=lambda item: (item.cells[3], item.label))


def register() -> None:
    figures.register_engagement("relations", _("letters"), institutions_written_to_or_from)
    figures.register(
        Figure(
            key="relations.letters_sent",
            section="depth",
            label=_("Letters sent"),
            definition=_(
                "One letter per recipient of a campaign sent in the period, by email or "
                "printed; letters whose email failed are not counted."
            ),
            count=lambda period: letters_sent(period).count(),
            list_items=_sent_items,
            columns=(_("Recipient"), _("Institution"), _("Country"), _("Date"), _("State")),
        ),
        Figure(
            key="relations.letters_received",
            section="depth",
            label=_("Letters received"),
            definition=_(
                "Replies to our letters and letters from partners recorded by the office, "
                "by the day they were received."
            ),
            count=lambda period: replies(period).count() + incoming(period).count(),
            list_items=_received_items,
            columns=(_("From"), _("Institution"), _("Country"), _("Received on"), _("Kind")),
        ),
    )
