"""The activities' figures for the reports (amity.core.figures), and activities as a kind of
exchange with partners.

One rule underlies them all: a session counts as *held* in a period when it is not cancelled,
its activity is not cancelled, it starts within the period and it has ended (a session still
to come is planned, not held). An activity counts as held in a period when at least one of its
sessions was held in it.
"""

from collections import Counter
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.core.figures import Breakdown, Figure, Item, Period, breakdown_of
from amity.directory.models import Department, Institution, PartnershipStatus, Person
from amity.events.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    Session,
    SessionStatus,
)


def held_sessions(period: Period) -> QuerySet[Session]:
    """Sessions held in the period (see the module's docstring)."""
    return Session.objects.filter(
        starts_at__gte=period.start_at,
        starts_at__lt=period.stop_at,
        ends_at__lte=timezone.now(),
        status=SessionStatus.SCHEDULED,
    ).exclude(activity__status=ActivityStatus.CANCELLED)


def held_activities(period: Period) -> QuerySet[Activity]:
    """Activities with at least one session held in the period."""
    return Activity.objects.filter(
        Exists(held_sessions(period).filter(activity=OuterRef("pk")))
    ).exclude(status=ActivityStatus.CANCELLED)


def _held_by_activity(period: Period) -> list[tuple[int, str, int | None, int]]:
    """(activity id, kind, department id, sessions held) of each activity held in the period:
    one grouped query over the period's sessions that the activities', departments' and
    sessions' figures all read."""

    def compute():
        return list(
            held_sessions(period)
            .order_by()
            .values_list("activity_id", "activity__kind", "activity__department_id")
            .annotate(n=Count("pk"))
        )

    return figures.memoized("events.held", period, compute)


def _activities_by_partner(period: Period) -> dict[int, int]:
    """Partner institution id -> how many activities held in the period name it. An activity
    that names the home hospital among its partners is left out altogether (as
    ``held_activities(...).exclude(partners__partnership_status=HOME)`` leaves it out).
    Read from the activities' partner links of the period's sessions, one grouped query."""

    def compute():
        links = Activity.partners.through.objects
        with_home = links.filter(
            activity_id=OuterRef("activity_id"),
            institution__partnership_status=PartnershipStatus.HOME,
        )
        return dict(
            links.filter(activity_id__in=held_sessions(period).values("activity_id"))
            .filter(~Exists(with_home))
            .order_by()
            .values_list("institution_id")
            .annotate(n=Count("pk"))
        )

    return figures.memoized("events.partners", period, compute)


def partners_of_held_activities(period: Period) -> set[int]:
    """Partner institutions (not the home hospital) named on an activity held in the period."""
    return set(_activities_by_partner(period))


def _country(code: str) -> str:
    return countries.name(code) if code else str(_("Unknown"))


def _kind_label(value: str) -> str:
    return str(ActivityKind(value).label) if value in ActivityKind.values else value


def _department_label(department) -> str:
    return in_reader_language(department.name, department.name_local)


# --- activities ----------------------------------------------------------------------------


def _activities_count(period: Period) -> int:
    return len(_held_by_activity(period))


def _activities_items(period: Period) -> list[Item]:
    rows = (
        held_activities(period)
        .select_related("department")
        .annotate(held=Count("sessions", filter=Q(sessions__in=held_sessions(period))))
        .order_by("kind", "title", "pk")
    )
    return [
        Item(
            label=activity.display_title,
            url=activity.get_absolute_url(),
            cells=(
                _kind_label(activity.kind),
                _department_label(activity.department) if activity.department else "",
                activity.held,
            ),
        )
        for activity in rows
    ]


def _activities_breakdown(period: Period) -> list[Breakdown]:
    by_kind = Counter(kind for _pk, kind, _department, _n in _held_by_activity(period))
    by_partner = _activities_by_partner(period)
    # Every institution's name (a few hundred rows): cheaper than an IN list of them all.
    names = {
        str(pk): in_reader_language(name, local)
        for pk, name, local in Institution.objects.order_by().values_list(
            "pk", "name", "name_local"
        )
        if pk in by_partner
    }
    return [
        breakdown_of(_("By kind"), by_kind, label=_kind_label, dimension="kind"),
        breakdown_of(
            _("By partner institution"),
            [(str(pk), n) for pk, n in by_partner.items()],
            label=lambda key: names.get(key, ""),
            dimension="institution",
        ),
    ]


# --- departments ---------------------------------------------------------------------------


def _departments(period: Period) -> QuerySet[Department]:
    return Department.objects.filter(
        Exists(held_activities(period).filter(department=OuterRef("pk")))
    )


def _departments_items(period: Period) -> list[Item]:
    counts = Counter(
        held_activities(period)
        .filter(department__isnull=False)
        .values_list("department_id", flat=True)
    )
    return [
        Item(
            label=_department_label(department),
            url=department.get_absolute_url(),
            cells=(counts[department.pk],),
        )
        for department in _departments(period).order_by("name")
    ]


# --- sessions and hours --------------------------------------------------------------------


def _session_rows(period: Period):
    return (
        held_sessions(period)
        .select_related("activity")
        .order_by("starts_at", "pk")
        .only("pk", "title", "starts_at", "ends_at", "activity__title", "activity__title_local")
    )


def _minutes(session) -> int:
    return int((session.ends_at - session.starts_at).total_seconds() // 60)


def _session_item(session, amount=1) -> Item:
    local = timezone.localtime(session.starts_at)
    return Item(
        label=session.title or session.activity.display_title,
        url=session.activity.get_absolute_url(),
        cells=(session.activity.display_title, local.strftime("%Y-%m-%d %H:%M"), _minutes(session)),
        amount=amount,
    )


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _hours_value(period: Period) -> Decimal:
    """The sum of the items' hours, from the sessions grouped by length (a handful of rows,
    not one per session)."""
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    rows = (
        held_sessions(period)
        .order_by()
        .annotate(length=length)
        .values_list("length")
        .annotate(n=Count("pk"))
    )
    return sum(
        (_hours(int(length.total_seconds() // 60)) * n for length, n in rows), Decimal("0.00")
    )


# --- attendance ----------------------------------------------------------------------------


def _attendances(period: Period) -> QuerySet[Attendance]:
    return Attendance.objects.filter(present=True, session__in=held_sessions(period))


def _attendance_by_institution(period: Period) -> list[tuple[int | None, int]]:
    """Attendances grouped by the person's institution: the breakdown reads it, and the count
    when it was worked out. Grouped by person in the database (read from the index
    events_attend_report_idx alone, no join), then by institution here."""

    def compute():
        # COUNT(*): the rows sorted for the grouping then carry the person alone.
        by_person = _attendances(period).order_by().values_list("person_id").annotate(n=Count("*"))
        institution_of = dict(Person.objects.order_by().values_list("pk", "institution_id"))
        counts: dict[int | None, int] = {}
        for person_id, n in by_person:
            institution_id = institution_of.get(person_id)
            counts[institution_id] = counts.get(institution_id, 0) + n
        return list(counts.items())

    return figures.memoized("events.attendance", period, compute)


def _attendance_count(period: Period) -> int:
    """From the breakdown's groups when they were worked out, else one COUNT over the index
    (the period before on the dashboard: no grouping by person for a single number)."""
    grouped = figures.recalled("events.attendance", period)
    if grouped is not None:
        return sum(n for _i, n in grouped)
    return _attendances(period).count()


def _attendance_items(period: Period) -> list[Item]:
    rows = (
        _attendances(period)
        .select_related("person", "person__institution", "session", "session__activity")
        .order_by("session__starts_at", "session_id", "person__family_name", "pk")
    )
    items = []
    for row in rows:
        person = row.person
        institution = person.institution
        items.append(
            Item(
                label=str(person.full_name),
                url=person.get_absolute_url(),
                cells=(
                    row.session.title or row.session.activity.display_title,
                    timezone.localtime(row.session.starts_at).strftime("%Y-%m-%d"),
                    institution.name if institution else "",
                    countries.name(institution.country) if institution else "",
                ),
            )
        )
    return items


def _attendance_breakdown(period: Period) -> list[Breakdown]:
    by_institution = _attendance_by_institution(period)
    country_of = dict(Institution.objects.order_by().values_list("pk", "country"))
    counts: dict[str, int] = {}
    for institution_id, n in by_institution:
        code = country_of.get(institution_id, "")
        counts[code] = counts.get(code, 0) + n
    return [breakdown_of(_("By country"), counts, label=_country, dimension="country")]


def register() -> None:
    figures.register_engagement("events", _("activities"), partners_of_held_activities)
    figures.register(
        Figure(
            key="events.activities",
            section="breadth",
            label=_("Activities held"),
            definition=_(
                "An activity counts as held in the period when at least one of its sessions "
                "took place in it: not cancelled, starting within the period and already "
                "ended. Cancelled activities are not counted."
            ),
            count=_activities_count,
            list_items=_activities_items,
            columns=(_("Kind"), _("Organising department"), _("Sessions held")),
            breakdown=_activities_breakdown,
        ),
        Figure(
            key="events.departments",
            section="breadth",
            label=_("Departments taking part"),
            definition=_(
                "A department takes part when it organises at least one activity held in the "
                "period."
            ),
            count=lambda period: len(
                {department for _pk, _kind, department, _n in _held_by_activity(period)} - {None}
            ),
            list_items=_departments_items,
            columns=(_("Activities held"),),
        ),
        Figure(
            key="events.sessions_held",
            section="depth",
            label=_("Sessions held"),
            definition=_(
                "A session counts as held when it starts within the period and has ended, and "
                "neither it nor its activity is cancelled."
            ),
            count=lambda period: sum(n for _pk, _kind, _department, n in _held_by_activity(period)),
            list_items=lambda period: [_session_item(s) for s in _session_rows(period)],
            columns=(_("Activity"), _("Starts"), _("Minutes")),
        ),
        Figure(
            key="events.hours",
            section="depth",
            label=_("Hours of exchange"),
            definition=_(
                "The scheduled length of every session held in the period, in hours (each "
                "session rounded to the hundredth), added up. Each session counts once, "
                "however many people attended it."
            ),
            unit="hours",
            count=_hours_value,
            list_items=lambda period: [
                _session_item(s, amount=_hours(_minutes(s))) for s in _session_rows(period)
            ],
            columns=(_("Activity"), _("Starts"), _("Minutes")),
        ),
        Figure(
            key="events.attendances",
            section="depth",
            label=_("Attendance at sessions"),
            definition=_(
                "One attendance is one person from the directory marked present at one session "
                "held in the period; a person at three sessions counts three times."
            ),
            count=_attendance_count,
            list_items=_attendance_items,
            columns=(_("Session"), _("Date"), _("Institution"), _("Country")),
            breakdown=_attendance_breakdown,
        ),
    )
