"""Every list page, the partner page and the registrants page cost the same number of
queries whether they show one row or three: an N+1 query cannot come back unnoticed.

Each page is read twice, with one row and with three, under
``django_assert_num_queries`` with the page's fixed count; the rows are checked to be on
the page, so a count that stays flat because nothing was shown does not pass.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from amity.accounts import services as account_services
from amity.aid import services as aid_services
from amity.aid.models import Item
from amity.events import services as event_services
from amity.registrations import services as registration_services
from amity.relations import services as relation_services
from amity.sharing import services as sharing_services
from tests.factories import DepartmentFactory, InstitutionFactory, PersonFactory
from tests.learning.factories import ExternalCourseFactory
from tests.plans.factories import ExchangePlanFactory


@dataclass(frozen=True)
class ListPage:
    """A page, who reads it, and how to add its n-th row (a marker text shown per row)."""

    reader: str
    url: Callable
    add_row: Callable  # (world, n) -> the text that row shows


def _next_wednesday() -> date:
    """A day of next week, so that every row of the week and month pages falls on it."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday() + 2)


def _at(n: int):
    """The n-th row's session: next Wednesday, from 10:00 UTC, an hour apart."""
    day = _next_wednesday()
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(hours=n % 10)


def _activity(world, n: int, **fields):
    activity = event_services.activity_create(
        fields={
            "title": f"Rowmarker lecture {n}",
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "public",
            "time_zone": "Asia/Shanghai",
            **fields,
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=_at(n),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    return activity


def _institution(world, n):
    return InstitutionFactory(name=f"Rowmarker Hospital {n}").name


def _department(world, n):
    return DepartmentFactory(name=f"Rowmarker Department {n}", slug=f"row-{n}").name


def _person(world, n):
    PersonFactory(institution=world.partner, family_name=f"Rowmarker{n}")
    return f"Rowmarker{n}"


def _lecture(world, n):
    return _activity(world, n).title


def _course(world, n):
    return ExternalCourseFactory(title=f"Rowmarker course {n}").title


def _plan(world, n):
    return ExchangePlanFactory(title=f"Rowmarker plan {n}", department=world.rehab).title


def _agreement(world, n):
    return relation_services.agreement_create(
        fields={
            "title": f"Rowmarker agreement {n}",
            "kind": "mou",
            "signed_on": date(2020, 1, 1 + n),
            "expires_on": date(2030, 1, 1),
            "status": "active",
        },
        partners=[world.partner],
    ).title


def _campaign(world, n):
    return relation_services.campaign_create(
        fields={
            "name": f"Rowmarker letter {n}",
            "letter_date": date(2020, 3, 20),
            "subject_en": "With you, {name}",
            "body_en": "{salutation},\n\nWe stand with you.",
        },
        user=world.office,
    ).name


def _template(world, n):
    return relation_services.template_save(
        template=None,
        fields={
            "name": f"Rowmarker template {n}",
            "subject_en": "Greetings",
            "body_en": "{salutation},\n\nGreetings.",
        },
        user=world.office,
    ).name


def _recipient_list(world, n):
    return relation_services.recipient_list_save(
        recipient_list=None,
        fields={"name": f"Rowmarker list {n}"},
        people=[world.partner_contact.person],
    ).name


def _document(world, n):
    return sharing_services.document_create(
        fields={"title": f"Rowmarker protocol {n}", "kind": "protocol", "scope": "all_partners"},
        owner=world.office,
        upload=SimpleUploadedFile(f"p{n}.txt", b"cardiac care", content_type="text/plain"),
    ).title


def _download(world, n):
    document = sharing_services.document_create(
        fields={"title": f"Rowmarker guide {n}", "kind": "guideline", "scope": "all_partners"},
        owner=world.office,
        upload=SimpleUploadedFile(f"g{n}.txt", b"guide", content_type="text/plain"),
    )
    sharing_services.download_record(
        version=document.versions.get(), user=world.partner_contact, ip="127.0.0.1"
    )
    return document.title


def _token(world, n):
    account_services.api_token_create(user=world.office, name=f"Rowmarker token {n}")
    return f"Rowmarker token {n}"


def _partner_row(world, n):
    """A contact, an agreement and an activity with the partner: each section grows."""
    PersonFactory(institution=world.partner, family_name=f"Rowmarker{n}")
    _agreement(world, n)
    _activity(world, 100 + n, visibility="partners").partners.set([world.partner])
    return f"Rowmarker{n}"


def _webinar(world):
    activity = getattr(world, "_webinar", None)
    if activity is None:
        activity = _activity(world, 0, kind="webinar")
        registration_services.registration_settings_save(
            activity=activity, fields={"capacity": None}
        )
        world._webinar = activity
    return activity


def _registrant(world, n):
    registration_services.registration_create(
        activity=_webinar(world),
        fields={
            "family_name": f"Rowmarker{n}",
            "given_name": "Wei",
            "email": f"rowmarker{n}@hospital.example.cn",
            "institution": "Shanghai Children's Hospital",
            "country": "CN",
            "profession": "physician",
            "time_zone": "Asia/Shanghai",
            "consent": True,
        },
    )
    return f"Rowmarker{n}"


def _aid_item(world, n):
    return Item.objects.create(
        name=f"Rowmarker item {n}", hs_code="6307.90", pack_size=50, pack_name="box"
    ).name


def _aid_stock(world, n):
    """An item with a lot bought and corrected: each row adds movements as well."""
    item = Item.objects.get(name=_aid_item(world, n))
    lot = aid_services.purchase_receive(
        receipt=aid_services.Receipt(item=item, quantity=500),
        reason=f"Rowmarker purchase {n}",
        user=world.office,
    )
    aid_services.stock_correct(lot=lot, quantity=-1, reason="Torn box", user=world.office)
    return item.name


def _aid_overview(world, n):
    """An item in stock, and an open request for it from the partner."""
    name = _aid_stock(world, n)
    aid_services.request_create(
        institution=world.partner,
        fields={"delivery_address": "Loma Linda", "consignee": "Dr. Carter"},
        lines=[(Item.objects.get(name=name), 10)],
        user=world.office,
    )
    return name


def _aid_movement(world, n):
    _aid_stock(world, n)
    return f"Rowmarker purchase {n}"


def _aid_pledge(world, n):
    donor = PersonFactory(institution=world.home, family_name=f"Rowmarker{n}")
    item = Item.objects.get(name=_aid_item(world, n))
    aid_services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": donor},
        lines=[(item, 100)],
        user=world.office,
    )
    return f"Rowmarker{n}"


def _aid_request(world, n):
    """A request of the partner, approved from a lot bought for it."""
    item = Item.objects.create(name=f"Rowmarker supply {n}", hs_code="6307.90")
    aid_services.purchase_receive(
        receipt=aid_services.Receipt(item=item, quantity=100), reason="Bought", user=world.office
    )
    request = aid_services.request_create(
        institution=world.partner,
        fields={"urgency": "urgent", "delivery_address": "Loma Linda", "consignee": "Dr. Lee"},
        lines=[(item, 40)],
        user=world.office,
    )
    aid_services.request_approve(
        request=request, approved={request.lines.get().pk: 40}, user=world.office
    )
    return request


def _aid_request_row(world, n):
    return _aid_request(world, n).reference


def _aid_shipment(world, n):
    request = _aid_request(world, n)
    return aid_services.shipment_create(
        institution=world.partner,
        allocations=list(request.lines.get().allocations.all()),
        fields={"carrier": "EMS", "tracking_number": f"ROWMARKER{n}"},
        user=world.office,
    ).tracking_number


PAGES = {
    "institutions": ListPage(
        "office", lambda w: reverse("directory:institution_list"), _institution
    ),
    "departments": ListPage("office", lambda w: reverse("directory:department_list"), _department),
    "people": ListPage("office", lambda w: reverse("directory:person_list"), _person),
    "agenda": ListPage("office", lambda w: reverse("events:agenda"), _lecture),
    "month": ListPage(
        "office", lambda w: reverse("events:month") + f"?month={_next_wednesday():%Y-%m}", _lecture
    ),
    "week": ListPage(
        "office",
        lambda w: reverse("events:week") + f"?start={_next_wednesday() - timedelta(days=2)}",
        _lecture,
    ),
    "public agenda": ListPage("anonymous", lambda w: reverse("events:public_agenda"), _lecture),
    "courses": ListPage("office", lambda w: reverse("learning:course_list"), _course),
    "exchange plans": ListPage("office", lambda w: reverse("plans:plan_list"), _plan),
    "agreements": ListPage("office", lambda w: reverse("relations:agreement_list"), _agreement),
    "letters": ListPage("office", lambda w: reverse("relations:campaign_list"), _campaign),
    "letter templates": ListPage("office", lambda w: reverse("relations:template_list"), _template),
    "recipient lists": ListPage(
        "office", lambda w: reverse("relations:list_list"), _recipient_list
    ),
    "documents": ListPage("partner", lambda w: reverse("sharing:document_list"), _document),
    "download log": ListPage("office", lambda w: reverse("sharing:download_log"), _download),
    "API tokens": ListPage("office", lambda w: reverse("accounts:api_tokens"), _token),
    "partner page": ListPage("office", lambda w: w.partner.get_absolute_url(), _partner_row),
    "registrants": ListPage(
        "office", lambda w: reverse("registrations:registrants", args=[_webinar(w).pk]), _registrant
    ),
    "attendance": ListPage(
        "office", lambda w: reverse("registrations:attendance", args=[_webinar(w).pk]), _registrant
    ),
    "aid overview": ListPage("office", lambda w: reverse("aid:home"), _aid_overview),
    "aid items": ListPage("office", lambda w: reverse("aid:item_list"), _aid_item),
    "aid stock": ListPage("office", lambda w: reverse("aid:stock"), _aid_stock),
    "aid ledger": ListPage("office", lambda w: reverse("aid:movement_list"), _aid_movement),
    "aid pledges": ListPage("office", lambda w: reverse("aid:pledge_list"), _aid_pledge),
    "aid requests": ListPage("office", lambda w: reverse("aid:request_list"), _aid_request_row),
    "aid requests, partner's portal": ListPage(
        "partner", lambda w: reverse("aid:request_list"), _aid_request_row
    ),
    "aid shipments": ListPage("office", lambda w: reverse("aid:shipment_list"), _aid_shipment),
    "aid shipments, partner's portal": ListPage(
        "partner", lambda w: reverse("aid:shipment_list"), _aid_shipment
    ),
}


# Measured once per page; a change that adds a query to a page changes its number here.
QUERIES = {
    "institutions": 6,
    "departments": 4,
    "people": 10,
    "agenda": 9,
    "month": 8,
    "week": 8,
    "public agenda": 5,
    "courses": 8,
    "exchange plans": 7,
    "agreements": 7,
    "letters": 6,
    "letter templates": 4,
    "recipient lists": 5,
    "documents": 8,  # 7, and whether the partner takes part in a study (the navigation)
    "download log": 6,
    "API tokens": 4,
    "partner page": 16,  # 12, and aid's and research's panels and timelines
    "registrants": 15,  # 14, and the partners abroad (the export for them, issue #12)
    "attendance": 15,  # 14, and the reports merged per session (issue #16)
    "aid overview": 12,
    "aid items": 4,
    "aid stock": 8,
    "aid ledger": 6,
    "aid pledges": 5,
    "aid requests": 6,
    "aid requests, partner's portal": 6,  # 5, and the research navigation
    "aid shipments": 5,
    "aid shipments, partner's portal": 6,  # 5, and the research navigation
}


@pytest.mark.parametrize("name", PAGES)
def test_list_page_queries_stay_the_same_from_one_row_to_three(
    name, world, client, django_assert_num_queries
):
    """The page shows one row, then three, for the same fixed number of queries."""
    page = PAGES[name]
    user = world.user(page.reader)
    if user is not None:
        client.force_login(user)
    url = page.url(world)
    shown = [page.add_row(world, 1)]
    client.get(url)  # the first visit fills per-process caches (language, zones)

    with django_assert_num_queries(QUERIES[name]):
        one = client.get(url).content.decode()
    shown += [page.add_row(world, 2), page.add_row(world, 3)]
    with django_assert_num_queries(QUERIES[name]):
        three = client.get(url).content.decode()

    assert [text in one for text in shown] == [True, False, False]
    assert [text in three for text in shown] == [True, True, True]
