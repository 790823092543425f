"""Activity pages and calendar feeds. Views parse, check access through ``permissions``,
call one service or selector, and render."""

import hashlib
from datetime import date, timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from amity.core import downloads, uploads
from amity.core.editing import changes_saved, confirm_page, edit_page
from amity.core.forms import formset_rows
from amity.core.paging import page_of, query_without
from amity.directory.models import Department, time_zone_choices
from amity.directory.permissions import coordinated_department
from amity.events import feeds, permissions, selectors, services
from amity.events.forms import (
    ActivityForm,
    AgendaFilterForm,
    AttendanceForm,
    MaterialForm,
    MoveSessionForm,
    ParticipantForm,
    SeriesForm,
    SessionDetailsForm,
    SessionForm,
    SpeakerFormSet,
    month_from,
)
from amity.events.models import Activity, CalendarToken, Material, Visibility


def _filters(request, user) -> tuple[AgendaFilterForm, selectors.AgendaFilters]:
    partners, departments = permissions.agenda_filter_choices(user)
    form = AgendaFilterForm(request.GET or None, partners=partners, departments=departments)
    data = form.cleaned_data if form.is_valid() else {}
    return form, selectors.AgendaFilters(
        q=data.get("q", "").strip(),
        kind=data.get("kind", ""),
        department=data["department"].pk if data.get("department") else None,
        partner=data["partner"].pk if data.get("partner") else None,
        language=data["language"].code if data.get("language") else "",
    )


def _calendar_feeds(request, form: AgendaFilterForm) -> list[tuple[str, str]]:
    """The feeds a calendar page offers, as (label, path): the viewer's own once they have
    made their link, the department the page is filtered by (read with their key, it
    holds everything of the department they may see), and the public one."""
    token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    department = form.cleaned_data.get("department") if form.is_bound and form.is_valid() else None
    offered = []
    if token:
        offered.append((_("Your calendar"), reverse("events:personal_feed", args=[token.key])))
    if department:
        path = reverse("events:department_feed", args=[department.slug])
        if token:
            label = _("%(department)s calendar") % {"department": department}
            path += "?" + urlencode({"key": token.key})
        else:
            label = _("%(department)s calendar (public activities only)") % {
                "department": department
            }
        offered.append((label, path))
    offered.append((_("Public calendar"), reverse("events:public_feed")))
    return offered


def _feed_link(request, path: str) -> dict:
    url = request.build_absolute_uri(path)
    return {"https": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def _agenda(request, *, template: str, public: bool):
    # The public page shows what anyone may see, whoever is logged in.
    user = AnonymousUser() if public else request.user
    form, filters = _filters(request, user)
    page = page_of(request, selectors.agenda_sessions(user=user, filters=filters), 30)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "public": public,
            "can_add": not public and permissions.can_create_activities(request.user),
            "feed": _feed_link(request, "/calendar/public.ics") if public else None,
            "calendar_feeds": [] if public else _calendar_feeds(request, form),
        },
    )


@login_required
@require_safe
def agenda(request):
    return _agenda(request, template="events/agenda.html", public=False)


@require_safe
def public_agenda(request):
    return _agenda(request, template="events/public_agenda.html", public=True)


@login_required
@require_safe
def month(request):
    today = timezone.localdate()
    year, month_number = month_from(request.GET.get("month", ""), today)
    form, filters = _filters(request, request.user)
    first = date(year, month_number, 1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "events/month.html",
        {
            "form": form,
            "weeks": selectors.month_grid(
                user=request.user, filters=filters, year=year, month=month_number
            ),
            "first": first,
            "previous": previous,
            "following": following,
            "today": today,
            "query": query_without(request, "month"),
            "calendar_feeds": _calendar_feeds(request, form),
        },
    )


@login_required
@require_safe
def week(request):
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today
    monday = start - timedelta(days=start.weekday())
    form, filters = _filters(request, request.user)
    return render(
        request,
        "events/week.html",
        {
            "form": form,
            "days": selectors.week_days(user=request.user, filters=filters, monday=monday),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "following": monday + timedelta(days=7),
            "today": today,
            "query": query_without(request, "start"),
            "calendar_feeds": _calendar_feeds(request, form),
        },
    )


@require_safe
def activity_detail(request, pk: int):
    try:
        activity = permissions.get_activity_for_user(request.user, pk)
    except Http404:
        # Public activities open without a login; for the rest, ask for one first.
        if request.user.is_authenticated:
            raise
        return redirect_to_login(request.get_full_path())
    sessions = selectors.activity_sessions(activity)
    now = timezone.now()
    upcoming = [s for s in sessions if s.ends_at >= now and not s.is_cancelled]
    reference = upcoming[0] if upcoming else (sessions[-1] if sessions else None)
    return render(
        request,
        "events/activity_detail.html",
        {
            "activity": activity,
            "sessions": sessions,
            "reference": reference,
            "sites": selectors.site_times(
                activity=activity, sessions=sessions, reference=reference
            ),
            "participants": selectors.activity_participants(activity)
            if request.user.is_authenticated
            else [],
            "activity_materials": [m for m in activity.materials.all() if m.session_id is None],
            "can_manage": permissions.can_manage_activity(request.user, activity),
            "feed": _feed_link(request, activity.get_feed_url()),
            "zones": time_zone_choices(),
            "now": now,
        },
    )


def _activity_form(request, activity: Activity | None) -> ActivityForm:
    department = coordinated_department(request.user)
    return ActivityForm(request.POST or None, instance=activity, coordinated_department=department)


def _activity_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in {"partners", "languages"}}


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    if not permissions.can_create_activities(request.user):
        raise PermissionDenied
    return edit_page(
        request,
        form=_activity_form(request, None),
        save=lambda data: services.activity_create(
            fields=_activity_fields(data), partners=data["partners"], languages=data["languages"]
        ),
        template="events/activity_form.html",
        context={"activity": None},
        success_message=lambda activity: _("“%s” was created. Now add its sessions.") % activity,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    return edit_page(
        request,
        form=_activity_form(request, activity),
        save=lambda data: services.activity_update(
            activity=activity,
            fields=_activity_fields(data),
            partners=data["partners"],
            languages=data["languages"],
        ),
        template="events/activity_form.html",
        context={"activity": activity},
        success_message=changes_saved,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_add(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    form = SessionForm(request.POST or None, initial={"time_zone": activity.time_zone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.session_create(
            activity=activity,
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            time_zone=data["time_zone"],
            title=data["title"],
        )
        messages.success(request, _("The session was added."))
        return redirect(activity)
    return render(
        request, "events/session_form.html", {"form": form, "activity": activity, "series": False}
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_add(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    form = SeriesForm(request.POST or None, initial={"time_zone": activity.time_zone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.series_create(
            activity=activity,
            start_date=data["date"],
            start_time=data["time"],
            time_zone=data["time_zone"],
            rrule=data["rrule"],
            duration_minutes=data["duration_minutes"],
            title=data["title"],
            fold=data.get("fold"),
        )
        messages.success(
            request,
            _("%(count)s sessions were added.") % {"count": len(data["occurrences"])},
        )
        return redirect(activity)
    return render(
        request, "events/session_form.html", {"form": form, "activity": activity, "series": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_move(request, pk: int):
    session = permissions.get_session_for_edit(request.user, pk)
    local = session.local_start
    form = MoveSessionForm(
        request.POST or None,
        initial={
            "date": local.date(),
            "time": local.time().replace(tzinfo=None),
            "time_zone": session.time_zone,
            "duration_minutes": session.duration_minutes,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.session_move(
            session=session,
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
        )
        messages.success(request, _("The session was moved."))
        return redirect(session.activity)
    return render(request, "events/session_move.html", {"form": form, "session": session})


@login_required
@require_POST
def session_cancel(request, pk: int):
    session = permissions.get_session_for_edit(request.user, pk)
    if request.POST.get("restore"):
        services.session_restore(session=session)
        messages.success(request, _("The session is back on."))
    elif not request.POST.get("confirm"):
        # Ask first, with a page that works without JavaScript.
        return confirm_page(
            request,
            question=_("Cancel this session?"),
            warning=_("Its participants see it as cancelled in their calendars."),
            yes=_("Yes, cancel this session"),
            back=session.activity.get_absolute_url(),
            context={"session": session},
        )
    else:
        services.session_cancel(session=session)
        messages.success(request, _("The session was cancelled."))
    return redirect(session.activity)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = permissions.get_session_for_edit(request.user, pk)
    data = request.POST if request.method == "POST" else None
    form = SessionDetailsForm(data, instance=session)
    speakers = SpeakerFormSet(data, instance=session, prefix="speaker")
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        services.session_details_update(
            session=session,
            fields=form.cleaned_data,
            speakers=formset_rows(speakers),
        )
        messages.success(request, _("The session was saved."))
        return redirect(session.activity)
    return render(
        request,
        "events/session_edit.html",
        {"form": form, "speakers": speakers, "session": session},
    )


@login_required
@require_http_methods(["GET", "POST"])
def material_add(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    form = MaterialForm(request.POST or None, request.FILES or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.material_add(
                activity=activity,
                session=data["session"],
                title=data["title"],
                url=data["url"],
                file=data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%s” was added.") % data["title"])
            return redirect(activity)
    return render(request, "events/material_form.html", {"form": form, "activity": activity})


@login_required
@require_POST
def material_remove(request, pk: int):
    material = get_object_or_404(Material.objects.select_related("activity"), pk=pk)
    activity = permissions.get_activity_for_edit(request.user, material.activity_id)
    services.material_remove(material=material)
    messages.success(request, _("“%s” was removed.") % material.title)
    return redirect(activity)


@require_safe
def material_download(request, pk: int):
    """Uploaded files are served only to those who may see the activity."""
    material = get_object_or_404(
        Material.objects.filter(activity__in=permissions.activities_visible_to(request.user)),
        pk=pk,
    )
    if not material.file:
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    name = uploads.sanitise_filename(Path(material.file.name).name)
    try:
        content_type = uploads.detect_type(handle, name=name)
    except ValidationError:
        # Kept before uploads were checked: a browser must only save it.
        content_type = downloads.UNKNOWN_TYPE
    return downloads.attachment(handle, name=name, content_type=content_type, size=handle.size)


@login_required
@require_http_methods(["GET", "POST"])
def participants(request, pk: int):
    activity = permissions.get_activity_for_edit(request.user, pk)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and request.POST.get("remove"):
        person = get_object_or_404(activity.participations, person_id=request.POST["remove"]).person
        services.participant_remove(activity=activity, person=person)
        messages.success(request, _("%s no longer takes part.") % person)
        return redirect("events:participants", pk=activity.pk)
    if request.method == "POST" and form.is_valid():
        services.participant_add(
            activity=activity, person=form.cleaned_data["person"], role=form.cleaned_data["role"]
        )
        messages.success(request, _("%s was added.") % form.cleaned_data["person"])
        return redirect("events:participants", pk=activity.pk)
    return render(
        request,
        "events/participants.html",
        {
            "activity": activity,
            "form": form,
            "participants": selectors.activity_participants(activity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    session = permissions.get_session_for_edit(request.user, pk)
    people = selectors.session_roll(session)
    current = selectors.session_present_ids(session)
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        people=people,
        initial={"present": [str(i) for i in current]},
    )
    if request.method == "POST" and form.is_valid():
        count = services.attendance_record(
            session=session, people=people, present={int(i) for i in form.cleaned_data["present"]}
        )
        messages.success(request, _("Attendance saved: %(count)s present.") % {"count": count})
        return redirect(session.activity)
    return render(
        request, "events/attendance.html", {"form": form, "session": session, "people": people}
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(user=request.user)
            messages.success(request, _("Your calendar link was switched off."))
        else:
            services.calendar_token_renew(user=request.user)
            messages.success(
                request, _("Your new calendar link is ready; the old one no longer works.")
            )
        return redirect("events:my_calendar")
    token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return render(
        request,
        "events/my_calendar.html",
        {"feed": _feed_link(request, f"/calendar/personal/{token.key}.ics") if token else None},
    )


# Feeds ---------------------------------------------------------------------------------


class _CalendarResponse(HttpResponse):
    """A feed's response that puts a feed just built in the cache once it has been sent
    (the server closes a response after sending it)."""

    def __init__(self, *args, keep=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._keep = keep

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._keep is not None:
                keep, self._keep = self._keep, None
                keep()


def _ics(request, *, key: str, filename: str, build, shows=None) -> HttpResponse:
    """A feed response: from the cache while nothing in it changed, 304 when the client
    already holds this version (calendar clients poll every hour).

    ``shows``, the activities the feed holds, is part of the cache key: whatever changes
    who may see what (a participant or speaker added or removed, an activity made private,
    a person moved to another department) shows at the next fetch, the same moment for
    every reader."""
    if shows is not None:
        ids = ",".join(str(pk) for pk in shows.order_by("pk").values_list("pk", flat=True))
        key += "|" + hashlib.sha1(ids.encode(), usedforsecurity=False).hexdigest()
    body, etag, keep = feeds.calendar_to_send(f"{key}|{_base_url(request)}", build)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        if keep is not None:
            keep()
        return not_modified
    response = _CalendarResponse(body, keep=keep, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    return response


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
def activity_feed(request, uid):
    activity = get_object_or_404(permissions.activities_visible_to(request.user), uid=uid)
    return _ics(
        request,
        key=f"activity|{activity.pk}",
        filename=f"activity-{activity.pk}.ics",
        build=lambda: feeds.build_calendar(
            name=activity.title,
            sessions=feeds.sessions_for_feed(Activity.objects.filter(pk=activity.pk)),
            base_url=_base_url(request),
            description=activity.description,
        ),
    )


@require_safe
def session_feed(request, uid):
    session = get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("activity"), uid=uid
    )
    return _ics(
        request,
        key=f"session|{session.pk}",
        filename=f"session-{session.pk}.ics",
        build=lambda: feeds.build_session_calendar(session=session, base_url=_base_url(request)),
    )


@require_safe
def public_feed(request):
    activities = Activity.objects.filter(visibility=Visibility.PUBLIC)
    return _ics(
        request,
        key="public",
        filename="public.ics",
        shows=activities,
        build=lambda: feeds.build_calendar(
            name=_("Amity public calendar"),
            sessions=feeds.sessions_for_feed(activities),
            base_url=_base_url(request),
        ),
    )


@require_safe
def department_feed(request, slug: str):
    """A department's activities: the public ones, or with ``?key=`` (a personal calendar
    key) everything of the department that person may see."""
    department = get_object_or_404(Department, slug=slug)
    user = _feed_user(request.GET.get("key", ""))
    activities = permissions.activities_visible_to(user).filter(department=department)
    return _ics(
        request,
        key=f"department|{department.pk}|{user.pk}|{department.name}",
        filename=f"{department.slug}.ics",
        shows=activities,
        build=lambda: feeds.build_calendar(
            name=_("%(department)s — activities") % {"department": department.name},
            sessions=feeds.sessions_for_feed(activities),
            base_url=_base_url(request),
        ),
    )


@require_safe
def personal_feed(request, key: str):
    """Everything the key's owner takes part in: as participant, speaker, or organiser of
    their department's activities."""
    user = _feed_user(key)
    if not user.is_authenticated:
        raise Http404
    name = user.person.full_name if user.person else user.username
    activities = selectors.personal_activities(user=user)
    return _ics(
        request,
        key=f"personal|{user.pk}|{name}",
        filename="amity.ics",
        shows=activities,
        build=lambda: feeds.build_calendar(
            name=_("Amity — %(name)s") % {"name": name},
            sessions=feeds.sessions_for_feed(activities),
            base_url=_base_url(request),
        ),
    )


def _feed_user(key: str):
    if key:
        token = (
            CalendarToken.objects.select_related("user")
            .filter(key=key, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token:
            return token.user
    return AnonymousUser()
