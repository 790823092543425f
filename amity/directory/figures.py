"""The directory's figures for the reports (amity.core.figures): the breadth of exchange
(institutions and countries engaged, new partners), partners in repeated exchange, and staff
with experience abroad.

"Engaged" is the union of the kinds of exchange the apps register with
``figures.register_engagement`` (activities, letters, documents, aid, research …), so an app
added later widens it without editing this module.
"""

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core import figures
from amity.core.bilingual import in_reader_language, reads_chinese
from amity.core.figures import Breakdown, Figure, Item, Period, breakdown_of
from amity.directory.models import Experience, Institution, PartnershipStatus, Person


def _name(institution: Institution) -> str:
    return in_reader_language(institution.name, institution.name_local)


def _kinds(keys: list[str]) -> str:
    labels = dict(figures.engagement_kinds())
    return ("、" if reads_chinese() else ", ").join(str(labels[key]) for key in keys)


def _countries() -> dict[int, str]:
    """Partner institution id -> its country (every partner: a few hundred rows, read once
    per dashboard rather than filtered by long lists of ids)."""

    def compute() -> dict[int, str]:
        return dict(Institution.objects.partners().order_by().values_list("pk", "country"))

    return figures.memoized("directory.countries", None, compute)


def _engaged(period: Period) -> dict[int, list[str]]:
    def compute() -> dict[int, list[str]]:
        engaged = figures.engaged_institutions(period)
        # A source may name the home hospital or an institution since removed: keep partners.
        known = _countries()
        return {pk: keys for pk, keys in engaged.items() if pk in known}

    return figures.memoized("directory.engaged", period, compute)


def _engaged_before(year: int) -> set[int]:
    """Partners engaged in some year from 1900 to ``year - 1``. Being engaged is being part
    of an exchange in the period, so over two spans it is the union over each: when the year
    before was worked out already (the dashboard's period before), this reads it and the
    years before it instead of the whole history again."""

    def compute() -> set[int]:
        last = Period.year(year - 1)
        if year - 1 > 1900 and figures.recalled("directory.engaged", last) is not None:
            return _engaged_before(year - 1) | set(_engaged(last))
        return set(_engaged(Period(dt.date(1900, 1, 1), last.end)))

    return figures.memoized(f"directory.engaged_before.{year}", None, compute)


def _institution_items(period: Period, engaged: dict[int, list[str]]) -> list[Item]:
    return [
        Item(
            label=_name(institution),
            url=institution.get_absolute_url(),
            cells=(countries.name(institution.country), _kinds(engaged[institution.pk])),
        )
        for institution in Institution.objects.filter(pk__in=engaged).order_by("name")
    ]


def _by_country(engaged_ids) -> Breakdown:
    country_of = _countries()
    counts: dict[str, int] = {}
    for pk in engaged_ids:
        if pk in country_of:
            counts[country_of[pk]] = counts.get(country_of[pk], 0) + 1
    return breakdown_of(_("By country"), counts, label=countries.name, dimension="country")


def _countries_items(period: Period) -> list[Item]:
    by_country = _by_country(list(_engaged(period)))
    return [Item(label=name, cells=(n,)) for name, n in by_country.rows]


def _new_partners(period: Period) -> QuerySet[Institution]:
    return Institution.objects.partners().filter(
        partner_since__gte=period.start, partner_since__lte=period.end
    )


def _repeated(period: Period) -> dict[int, list[str]]:
    """Engaged in the period in two kinds of exchange or more, or engaged in the period and
    in some earlier year too."""
    engaged = _engaged(period)
    earlier = _engaged_before(period.start.year)
    return {pk: keys for pk, keys in engaged.items() if len(keys) >= 2 or pk in earlier}


def _staff_abroad(period: Period) -> QuerySet[Person]:
    return Person.objects.filter(
        institution__partnership_status=PartnershipStatus.HOME,
        pk__in=Experience.objects.filter(start_year__lte=period.end.year).values("person_id"),
    )


def _staff_items(period: Period) -> list[Item]:
    experiences = (
        Experience.objects.filter(
            start_year__lte=period.end.year,
            person__institution__partnership_status=PartnershipStatus.HOME,
        )
        .select_related("institution")
        .order_by("start_year", "pk")
    )
    where: dict[int, list[str]] = {}
    for experience in experiences:
        years = f"{experience.start_year}–{experience.end_year or ''}"
        where.setdefault(experience.person_id, []).append(
            f"{experience.where} ({countries.name(experience.country)}, {years})"
        )
    people = (
        _staff_abroad(period).select_related("department").order_by("family_name", "given_name")
    )
    return [
        Item(
            label=person.full_name,
            url=person.get_absolute_url(),
            cells=(
                in_reader_language(person.department.name, person.department.name_local)
                if person.department
                else "",
                "; ".join(where.get(person.pk, [])),
            ),
        )
        for person in people
    ]


def register() -> None:
    figures.register(
        Figure(
            key="directory.institutions_engaged",
            section="breadth",
            label=_("Institutions engaged"),
            definition=_(
                "A partner institution counts as engaged when, in the period, it took part in "
                "at least one kind of exchange: an activity held with it as partner, a letter "
                "sent to it or received from it, a document downloaded by its people, aid "
                "shipped to it, or enrolment at its site of a joint study."
            ),
            count=lambda period: len(_engaged(period)),
            list_items=lambda period: _institution_items(period, _engaged(period)),
            columns=(_("Country"), _("Kinds of exchange")),
            breakdown=lambda period: [_by_country(list(_engaged(period)))],
        ),
        Figure(
            key="directory.countries_engaged",
            section="breadth",
            label=_("Countries engaged"),
            definition=_(
                "A country counts as engaged when at least one institution engaged in the "
                "period (see “Institutions engaged”) is in it."
            ),
            count=lambda period: len({_countries()[pk] for pk in _engaged(period)}),
            list_items=_countries_items,
            columns=(_("Institutions engaged"),),
        ),
        Figure(
            key="directory.new_partners",
            section="breadth",
            label=_("New partners"),
            definition=_(
                "A new partner is an institution whose “partner since” date falls within the "
                "period."
            ),
            count=lambda period: _new_partners(period).count(),
            list_items=lambda period: [
                Item(
                    label=_name(i),
                    url=i.get_absolute_url(),
                    cells=(countries.name(i.country), i.get_kind_display(), i.partner_since),
                )
                for i in _new_partners(period).order_by("partner_since", "name")
            ],
            columns=(_("Country"), _("Kind"), _("Partner since")),
        ),
        Figure(
            key="directory.partners_repeated",
            section="depth",
            label=_("Partners in repeated exchange"),
            definition=_(
                "A partner is in repeated exchange when it was engaged in the period in two or "
                "more kinds of exchange, or was engaged in the period and in an earlier year."
            ),
            count=lambda period: len(_repeated(period)),
            list_items=lambda period: _institution_items(period, _repeated(period)),
            columns=(_("Country"), _("Kinds of exchange")),
        ),
        Figure(
            key="directory.staff_abroad",
            section="depth",
            label=_("Staff with experience abroad"),
            definition=_(
                "People of the hospital in the directory with at least one period of study or "
                "work abroad that began by the end of the period."
            ),
            count=lambda period: _staff_abroad(period).count(),
            list_items=_staff_items,
            columns=(_("Department"), _("Where and when")),
        ),
    )
