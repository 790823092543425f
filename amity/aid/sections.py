"""Aid where it belongs outside its own pages: a panel on the partner's page, entries on
the partner's timeline, and a donor's gifts on their directory page.

The directory and relations sit below aid and never import it; ``AidConfig.ready()``
registers these functions with them (``directory.extensions``, ``relations.extensions``).
Each reads through ``selectors``, which start from what the user may see: home staff see
every partner's aid, a partner's contact their own institution's, no one else anything.
"""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from amity.accounts.models import User
from amity.aid import permissions, selectors
from amity.aid.models import AidRequest, RequestStatus, Shipment, ShipmentStatus
from amity.directory.models import Institution, Person
from amity.relations.extensions import TimelineEntry

TIMELINE_KIND = "aid"


def _requests_and_shipments(
    user: User, institution: Institution
) -> tuple[list[AidRequest], list[Shipment]]:
    """The partner's requests and shipments the user may see. Every shipment carries
    units allocated to the partner's own requests, which are never deleted, so a partner
    without requests has no shipment and the second query is saved (most partners never
    ask for aid, and their page should not pay for it)."""
    requests = selectors.partner_requests(user=user, institution=institution)
    if not requests:
        return requests, []
    return requests, selectors.partner_shipments(user=user, institution=institution)


def _sees_partner_aid(user: User, institution: Institution) -> bool:
    if institution.is_home:
        return False
    return permissions.is_home_staff(user) or (
        permissions.partner_institution_id(user) == institution.pk
    )


# --- the partner's page --------------------------------------------------------------------


def partner_section(request: HttpRequest, institution: Institution) -> dict:
    """The "Aid" panel of a partner's page: its requests and shipments, for home staff
    and the partner's own contact (nothing for anyone else, nor on the home hospital's
    page). One query, or three when it asked for aid."""
    user = request.user
    if not _sees_partner_aid(user, institution):
        return {}
    requests, shipments = _requests_and_shipments(user, institution)
    return {
        "aid": {
            "requests": requests,
            # Each shipment with the day of its latest step (its events come in order).
            "shipments": [(shipment, _last_day(shipment)) for shipment in shipments],
            "can_record_request": permissions.can_request_for(user, institution.pk),
        }
    }


def _last_day(shipment: Shipment) -> date | None:
    events = list(shipment.events.all())
    return events[-1].on if events else None


# --- the partner's timeline ----------------------------------------------------------------

DECIDED = {
    RequestStatus.APPROVED: gettext_lazy("Request approved"),
    RequestStatus.PARTLY: gettext_lazy("Request partly approved"),
    RequestStatus.DECLINED: gettext_lazy("Request declined"),
}

# The steps of a shipment the timeline shows (being packed or held in customs is on the
# shipment's own page).
STEPS = {
    ShipmentStatus.SHIPPED: gettext_lazy("Aid shipped"),
    ShipmentStatus.DELIVERED: gettext_lazy("Aid delivered"),
    ShipmentStatus.RECEIVED: gettext_lazy("Aid received"),
}


def _units(count: int) -> str:
    return ngettext("%(count)s unit", "%(count)s units", count) % {
        "count": number_format(count, force_grouping=True)
    }


def _request_entries(request: AidRequest) -> list[TimelineEntry]:
    common = {
        "kind": TIMELINE_KIND,
        "title": str(request),
        "url": request.get_absolute_url(),
        "state": request.status,
        "state_label": request.get_status_display(),
    }
    asked = getattr(request, "asked", None)
    recorded = request.get_urgency_display()
    if asked:
        recorded = _("%(urgency)s, %(units)s") % {"urgency": recorded, "units": _units(asked)}
    entries = [
        TimelineEntry(
            day=timezone.localtime(request.created_at).date(),
            what=_("Aid requested"),
            detail=recorded,
            **common,
        )
    ]
    if request.decided_at and request.status in DECIDED:
        entries.append(
            TimelineEntry(
                day=timezone.localtime(request.decided_at).date(),
                what=str(DECIDED[request.status]),
                detail=Truncator(request.decision_note).chars(100),
                **common,
            )
        )
    return entries


def _receipt_detail(shipment: Shipment, receipt: selectors.ShipmentReceipt | None) -> str:
    if receipt is None:
        return ""
    sent = getattr(shipment, "units", 0)
    missing = max(sent - receipt.received, 0)
    parts = []
    if missing:
        parts.append(
            ngettext(
                "shortfall: %(missing)s of %(sent)s unit",
                "shortfall: %(missing)s of %(sent)s units",
                sent,
            )
            % {
                "missing": number_format(missing, force_grouping=True),
                "sent": number_format(sent, force_grouping=True),
            }
        )
    if receipt.damaged:
        parts.append(
            ngettext("%(count)s unit damaged", "%(count)s units damaged", receipt.damaged)
            % {"count": number_format(receipt.damaged, force_grouping=True)}
        )
    if not parts:
        return _("all %(units)s arrived") % {"units": _units(sent)}
    return pgettext("between the parts of a note", "; ").join(parts)


def _shipment_entries(
    shipment: Shipment, receipt: selectors.ShipmentReceipt | None
) -> list[TimelineEntry]:
    common = {
        "kind": TIMELINE_KIND,
        "title": _("Shipment %(number)s") % {"number": shipment.reference},
        "url": shipment.get_absolute_url(),
        "state": shipment.status,
        "state_label": shipment.get_status_display(),
    }
    entries = []
    for event in shipment.events.all():
        if event.status not in STEPS:
            continue
        if event.status == ShipmentStatus.SHIPPED:
            detail = " ".join(part for part in (shipment.carrier, shipment.tracking_number) if part)
        elif event.status == ShipmentStatus.RECEIVED:
            detail = _receipt_detail(shipment, receipt)
        else:
            detail = event.note
        entries.append(
            TimelineEntry(day=event.on, what=str(STEPS[event.status]), detail=detail, **common)
        )
    return entries


def timeline_entries(user: User, institution: Institution, today: date) -> list[TimelineEntry]:
    """The partner's aid, dated: each request recorded and decided, each shipment shipped,
    delivered and received (with any shortfall or damage the partner noted). One
    query, four at most. Nothing of aid lies ahead, so ``today`` marks no entry as
    upcoming."""
    if not _sees_partner_aid(user, institution):
        return []
    requests, shipments = _requests_and_shipments(user, institution)
    entries: list[TimelineEntry] = []
    for request in requests:
        entries += _request_entries(request)
    receipts = selectors.shipment_receipts(shipments)
    for shipment in shipments:
        entries += _shipment_entries(shipment, receipts.get(shipment.pk))
    return entries


# --- a donor's page ------------------------------------------------------------------------


def person_section(request: HttpRequest, person: Person) -> dict:
    """A staff member's gifts on their directory page, for home staff: each pledge, what
    and when, and how much of it has been received. Nothing when they gave nothing."""
    user = request.user
    if not permissions.is_home_staff(user):
        return {}
    pledges = selectors.person_pledges(user=user, person=person)
    if not pledges:
        return {}
    received = selectors.pledges_received(pledges)
    return {
        "aid_gifts": [
            {
                "pledge": pledge,
                "lines": [
                    {
                        "item": line.item,
                        "pledged": line.quantity,
                        "received": received.get((pledge.pk, line.item_id), 0),
                    }
                    for line in pledge.lines.all()
                ],
            }
            for pledge in pledges
        ]
    }
