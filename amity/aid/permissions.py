"""Who may see and do what in aid. Pages, exports and the API reach aid only through
these helpers.

- office staff: run it all — the catalogue, pledges of anyone, stock, requests of every
  partner, approvals, shipments and their papers;
- department coordinators and staff members: see everything, and record their own
  pledges (the seed's donors are staff who studied abroad);
- partner contacts: see and edit only their own institution's requests (while still
  open), see its shipments and confirm their receipt; nothing of stock, donors or other
  partners;
- anonymous visitors: nothing.
"""

from django.db.models import QuerySet

from amity.accounts.models import User
from amity.aid.models import AidRequest, Pledge, Shipment, ShipmentStatus


def _signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


def is_home_staff(user) -> bool:
    return _signed_in(user) and not user.is_partner_contact


def _partner_institution_id(user) -> int | None:
    if not (_signed_in(user) and user.is_partner_contact):
        return None
    person = user.person
    return person.institution_id if person is not None else None


def can_manage_aid(user) -> bool:
    return _signed_in(user) and user.is_office_staff


def can_see_stock(user) -> bool:
    return is_home_staff(user)


def can_record_pledge(user) -> bool:
    """Office staff record anyone's pledge; other staff their own."""
    return is_home_staff(user)


def pledges_visible_to(user) -> QuerySet[Pledge]:
    if is_home_staff(user):
        return Pledge.objects.all()
    return Pledge.objects.none()


def can_edit_pledge(user, pledge: Pledge) -> bool:
    if can_manage_aid(user):
        return True
    return is_home_staff(user) and pledge.created_by_id == user.pk


def requests_visible_to(user) -> QuerySet[AidRequest]:
    if is_home_staff(user):
        return AidRequest.objects.all()
    institution_id = _partner_institution_id(user)
    if institution_id is None:
        return AidRequest.objects.none()
    return AidRequest.objects.filter(institution_id=institution_id)


def can_request_for(user, institution_id: int) -> bool:
    """Office staff record a need for any partner; a contact for their own."""
    if can_manage_aid(user):
        return True
    return institution_id is not None and _partner_institution_id(user) == institution_id


def can_make_requests(user) -> bool:
    return can_manage_aid(user) or _partner_institution_id(user) is not None


def partner_institution_id(user) -> int | None:
    """The institution a partner contact requests for (None for everyone else)."""
    return _partner_institution_id(user)


def can_edit_request(user, request: AidRequest) -> bool:
    return request.is_open and can_request_for(user, request.institution_id)


def shipments_visible_to(user) -> QuerySet[Shipment]:
    if is_home_staff(user):
        return Shipment.objects.all()
    institution_id = _partner_institution_id(user)
    if institution_id is None:
        return Shipment.objects.none()
    return Shipment.objects.filter(institution_id=institution_id)


def can_confirm_receipt(user: User, shipment: Shipment) -> bool:
    """The partner's contact confirms what arrived; office staff may record it for them
    (a receipt sent by email)."""
    if shipment.status in (ShipmentStatus.PREPARED, ShipmentStatus.RECEIVED):
        return False
    return can_manage_aid(user) or _partner_institution_id(user) == shipment.institution_id
