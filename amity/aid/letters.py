"""Thanking a donor: a bilingual letter through the letters feature of ``relations``.

The thank-you is a campaign of one: its English and Chinese texts name what was given
("600 surgical masks and 200 sets of protective clothing" / "医用外科口罩600件、医用防护
服200套") and the partners it reached, and ``relations.services.campaign_send`` writes
the ``Letter`` in the donor's language and queues the email (or leaves a letter to print
when the directory has no address). The pledge keeps the letter, so the office sees who
was thanked, and a second click writes nothing more.

What was given is what arrived (the gifts received in lots); before anything arrives, what
was pledged. The partners reached are those of shipments that have left with units of the
pledge's lots.

Only people in the directory get a letter here: a department, or an outside donor whose
email matches no directory entry, is thanked by the office directly.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.aid.models import DonorKind, Item, Movement, MovementKind, Pledge, Shipment, Unit
from amity.aid.selectors import SENT
from amity.directory.models import Institution, Person
from amity.relations import services as relations_services
from amity.relations.letters import (
    CHINESE_REGIONS,
    DJANGO_LANGUAGE,
    date_in,
    partner_name,
    reads_chinese,
)
from amity.relations.models import Delivery, LanguageMode, Letter
from amity.relations.pdf import letterhead_institution

# How a Chinese letter counts units of each kind (量词).
# English names of supplies that take no plural ("200 pieces of protective clothing").
UNCOUNTABLE = ("clothing", "equipment", "gear", "wear", "sanitizer", "sanitiser", "disinfectant")


# --- what was given, and where it went ----------------------------------------------------


def gifts(pledge: Pledge) -> list[tuple[Item, int]]:
    """(item, units) the donor gave: received in lots, else (nothing arrived yet) pledged."""
    received = dict(
        Movement.objects.filter(lot__pledge=pledge, kind=MovementKind.GIFT)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    if received:
        items = Item.objects.in_bulk(received)
        return sorted(
            ((items[pk], total) for pk, total in received.items() if total > 0),
            key=lambda pair: pair[0].name,
        )
    return [(line.item, line.quantity) for line in pledge.lines.select_related("item")]


def partners_reached(pledge: Pledge) -> list[Institution]:
    """Partners whose shipments left with units of the pledge's lots."""
    shipments = Shipment.objects.filter(status__in=SENT, allocations__lot__pledge=pledge)
    return list(Institution.objects.filter(pk__in=shipments.values("institution")).order_by("name"))


# --- the words -----------------------------------------------------------------------------


def _plural(name: str) -> str:
    lower = name.lower()
    if lower.endswith(UNCOUNTABLE):
        return name
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def _lower_first(name: str) -> str:
    """ "Surgical mask" → "surgical mask"; "N95 respirator" and "KN95" keep their capitals."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def gift_en(item: Item, quantity: int) -> str:
    """ "600 surgical masks", "200 sets of protective clothing", "1 face shield"."""
    name = _lower_first(item.name)
    if item.unit == Unit.SET:
        return f"{quantity:,} {'set' if quantity == 1 else 'sets'} of {name}"
    if item.unit == Unit.PAIR:
        return f"{quantity:,} {'pair' if quantity == 1 else 'pairs'} of {_plural(name)}"
    if name.lower().endswith(UNCOUNTABLE):
        return f"{quantity:,} {'piece' if quantity == 1 else 'pieces'} of {name}"
    return f"{quantity:,} {name if quantity == 1 else _plural(name)}"


def gift_zh(item: Item, quantity: int) -> str:
    """ "医用外科口罩600件", "医用防护服200套"."""
    return item.count_in_chinese(quantity)


def _list_en(parts: list[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _country(institution: Institution, language: str) -> str:
    if not institution.country.code:
        return ""
    with translation.override(DJANGO_LANGUAGE[language]):
        return str(institution.country.name)


def _braces(text: str) -> str:
    """Text put into a letter is not a placeholder: its braces are written literally."""
    return text.replace("{", "{{").replace("}", "}}")


def thank_you_texts(*, pledge: Pledge, home: Institution | None) -> dict[str, str]:
    """The campaign's subject, letter and signature in English and Chinese."""
    given = gifts(pledge)
    partners = partners_reached(pledge)
    what_en = _list_en([gift_en(item, quantity) for item, quantity in given])
    what_zh = "、".join(gift_zh(item, quantity) for item, quantity in given)
    pledged_en, pledged_zh = date_in(pledge.pledged_on, "en"), date_in(pledge.pledged_on, "zh")
    if partners:
        names_en = [
            f"{partner_name(p, 'en')} ({_country(p, 'en')})" if _country(p, "en") else p.name
            for p in partners
        ]
        reached_en = (
            (
                "Your gift has reached our partners: "
                if len(partners) > 1
                else "Your gift has reached our partner "
            )
            + _list_en(names_en)
            + "."
        )
        reached_zh = (
            "您捐赠的物资已送达我院的合作伙伴："
            + "、".join(
                f"{_country(p, 'zh')}{partner_name(p, 'zh')}"
                if _country(p, "zh")
                else partner_name(p, "zh")
                for p in partners
            )
            + "。"
        )
    else:
        reached_en = "It will go to our partners abroad who have asked for help."
        reached_zh = "这批物资将送往向我院求助的海外合作伙伴。"
    body_en = (
        "{salutation},\n\n"
        f"On behalf of the hospital, thank you for your gift of {what_en}, "
        f"pledged on {pledged_en}.\n\n"
        f"{reached_en}\n\n"
        "At a time when our colleagues abroad cannot be reached in person, your generosity "
        "tells them, better than any words, that they are not alone.\n\n"
        "With our warmest thanks,"
    )
    body_zh = (
        "{salutation}：\n\n"
        f"感谢您于{pledged_zh}慷慨捐赠{what_zh}。\n\n"
        f"{reached_zh}\n\n"
        "在无法与海外同道相聚的日子里，您的善举让他们感受到：他们并不孤单。"
        "谨代表医院向您致以衷心的感谢！\n\n"
        "此致\n敬礼！"
    )
    office_en = "International Affairs Office"
    office_zh = "国际交流与合作办公室"
    return {
        "subject_en": "Thank you for your gift to our partners",
        "body_en": _braces_outside_placeholders(body_en),
        "subject_zh": "感谢您对国际合作伙伴的捐赠",
        "body_zh": _braces_outside_placeholders(body_zh),
        "signature_en": "\n".join(p for p in (office_en, home.name if home else "") if p),
        "signature_zh": "\n".join(p for p in (office_zh, home.name_local if home else "") if p),
    }


def _braces_outside_placeholders(text: str) -> str:
    """Escape every brace except the one placeholder the letter uses, {salutation}."""
    head, tail = text.split("{salutation}", 1)
    return _braces(head) + "{salutation}" + _braces(tail)


# --- the recipient and the language --------------------------------------------------------


def donor_person(pledge: Pledge) -> Person:
    """The directory entry to write to, or ValidationError saying why there is none."""
    if pledge.donor_kind == DonorKind.STAFF and pledge.donor_person_id:
        return pledge.donor_person
    if pledge.donor_kind == DonorKind.DEPARTMENT:
        raise ValidationError(
            _(
                "%(department)s gave this as a department: thank-you letters go to people in "
                "the directory, so the office writes to the department directly."
            )
            % {"department": pledge.donor_display},
            code="not_a_person",
        )
    person = (
        Person.objects.filter(email__iexact=pledge.donor_email).first()
        if pledge.donor_email
        else None
    )
    if person is None:
        raise ValidationError(
            _(
                "%(donor)s has no entry in the directory: the office writes to outside donors "
                "directly."
            )
            % {"donor": pledge.donor_display},
            code="not_in_directory",
        )
    return person


def donor_language(person: Person) -> str:
    """The donor's language: a colleague at the home hospital (or anywhere in the Chinese-
    speaking regions) reads Chinese — and English too when the directory says so, as the
    seed's donors who studied abroad do; a colleague who reads no Chinese gets English.
    Anyone else follows the letters feature's own rule."""
    codes = {language.code for language in person.languages.all()}
    if person.institution.is_home or person.institution.country.code in CHINESE_REGIONS:
        if codes and not reads_chinese(codes):
            return LanguageMode.EN
        return LanguageMode.BOTH if "en" in codes else LanguageMode.ZH
    return LanguageMode.AUTO


# --- the action ----------------------------------------------------------------------------


@transaction.atomic
def thank_donor(*, pledge: Pledge, user: User | None) -> Letter:
    """Write and send the thank-you letter for ``pledge`` and record it on the pledge.

    Exactly once: the pledge's row is locked and re-read (on SQLite the IMMEDIATE
    transaction serialises writers), and a pledge already thanked returns its letter
    without writing anything. Raises ValidationError (nothing written) for a donor who is
    not a person in the directory."""
    locked = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("donor_person__institution")
        .get(pk=pledge.pk)
    )
    if locked.thanked_letter_id is not None:
        # Read after the lock, not joined to it: on PostgreSQL a row locked after waiting
        # is re-read, but what it joins comes from before the wait (no letter yet).
        letter = Letter.objects.get(pk=locked.thanked_letter_id)
        pledge.thanked_letter = letter
        return letter
    person = donor_person(locked)
    texts = thank_you_texts(pledge=locked, home=letterhead_institution())
    campaign = relations_services.campaign_create(
        fields={
            "name": _("Thank-you to %(donor)s for the gift of %(day)s")
            % {"donor": locked.donor_display, "day": locked.pledged_on.isoformat()},
            "letter_date": timezone.localdate(),
            "language_mode": donor_language(person),
            "delivery": Delivery.EMAIL if person.email else Delivery.PDF,
            **texts,
        },
        user=user,
    )
    relations_services.campaign_send(campaign=campaign, user=user, people=[person])
    letter = Letter.objects.get(campaign=campaign, person=person)
    locked.thanked_letter = letter
    locked.save(update_fields=["thanked_letter"])
    pledge.thanked_letter = letter
    return letter
