"""Pages: public registration, the registrant's own page (through the signed link in every
email), the organiser's view, attendance and certificates."""

import functools
import json
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from amity.core import downloads, ratelimit
from amity.core.editing import confirm_page
from amity.core.paging import page_of, query_without
from amity.core.spreadsheets import csv_bytes, xlsx_bytes
from amity.events.models import Activity
from amity.registrations import certify, exports, offers, permissions, selectors, services
from amity.registrations.announcements import announcement_create
from amity.registrations.announcements import recipients as announcement_recipients
from amity.registrations.attendance import ReportError, UnknownColumns, parse_report
from amity.registrations.attendance_import import attendance_import
from amity.registrations.attendance_merge import attendance_table, session_figures
from amity.registrations.forms import (
    AnnouncementForm,
    AttendanceReportForm,
    PrivacyNoticeForm,
    QuestionForm,
    RegistrationForm,
    RegistrationSettingsForm,
    valid_zone,
)
from amity.registrations.mail import (
    join_context,
    local_time,
    upcoming_sessions,
    way_in_calendar,
)
from amity.registrations.models import (
    Certificate,
    OfferStatus,
    Profession,
    Question,
    Registration,
    RegistrationStatus,
)


def _person_fields(user) -> dict | None:
    """What a logged-in colleague or partner contact registers with, from the directory."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    email = (person.email if person else "") or user.email if user.is_authenticated else ""
    if not email or person is None:
        return None
    local = f"{person.family_name_local}{person.given_name_local}"
    institution = person.institution
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "name_local": local,
        "email": email.strip().lower(),
        "institution": institution.name if institution else "",
        "country": str(institution.country.code) if institution and institution.country else "",
        "profession": "",
        "time_zone": person.time_zone or "UTC",
        "answers": {},
    }


@require_http_methods(["GET", "POST"])
def register(request, pk: int):
    activity, settings_row = permissions.get_activity_to_register_for(request.user, pk)
    questions = selectors.questions_of(activity)
    abroad = selectors.partners_abroad(activity)
    notice = services.privacy_notice_current()
    one_click = _person_fields(request.user) if not questions else None
    existing = selectors.registration_of(activity, request.user) if one_click else None
    remembered = request.COOKIES.get("amity_tz", "")
    form = RegistrationForm(
        request.POST or None,
        questions=questions,
        partners_abroad=abroad,
        notice=notice,
        initial={
            "time_zone": remembered if valid_zone(remembered) else "",
            "notice_version": notice.version,
        },
    )
    if request.method == "POST":
        if not ratelimit.allow(request, "register", _rate()):
            return _too_many(request)
        if request.POST.get("one_click") and one_click:
            fields = {**one_click, "language": request.LANGUAGE_CODE, "notice": notice}
            browser_zone = request.POST.get("time_zone", "")
            if fields["time_zone"] == "UTC" and valid_zone(browser_zone):
                fields["time_zone"] = browser_zone
            if abroad:
                fields["transfer_consent"] = bool(request.POST.get("transfer_consent"))
                fields["transfer_recipients"] = [
                    {"name": p.name, "country": str(p.country.code or "")} for p in abroad
                ]
            return _registered(request, activity, fields, key="", user=request.user)
        if form.is_valid():
            return _registered(
                request,
                activity,
                form.registration_fields(),
                key=request.POST.get("submission", ""),
                user=request.user,
            )
    return render(
        request,
        "registrations/register.html",
        {
            "activity": activity,
            "settings": settings_row,
            "form": form,
            "notice": notice,
            "notice_first_local": request.LANGUAGE_CODE == "zh-hans",
            "partners_abroad": abroad,
            "submission": secrets.token_urlsafe(16),
            "one_click": one_click,
            "existing": existing,
            "counts": selectors.status_counts(activity) if settings_row.capacity else None,
            "sessions": upcoming_sessions(activity)[:10],
        },
        status=422 if request.method == "POST" else 200,
    )


def _rate() -> int:
    return settings.AMITY_REGISTRATION_RATE


def _too_many(request):
    return render(
        request,
        "registrations/message.html",
        {
            "title": _("Too many attempts"),
            "message": _("Too many registrations from your address. Wait a minute and try again."),
        },
        status=429,
    )


def _registered(request, activity, fields, *, key: str, user):
    """Answer a registration request. A signed-in person registering themselves goes to
    their registration; every other request gets the same page whether the address was
    new or known, so that nobody learns who registered (the email holds the link)."""
    try:
        outcome = services.registration_create(
            activity=activity, fields=fields, user=user, submission_key=key
        )
    except services.RegistrationClosed as closed:
        return render(
            request,
            "registrations/message.html",
            {"title": activity.display_title, "message": str(closed)},
            status=409,
        )
    if outcome.yours:
        if outcome.created:
            messages.success(request, _registered_message(activity, outcome))
        return redirect(outcome.registration)
    return render(
        request,
        "registrations/message.html",
        {"title": activity.display_title, "message": services.email_sent_message(fields["email"])},
    )


def _registered_message(activity: Activity, outcome: services.RegistrationOutcome) -> str:
    """What a signed-in registrant is told at once: registered, or on the waiting list
    and where."""
    title = activity.display_title
    registration, position = outcome.registration, outcome.position
    if position is not None:
        return _(
            "“%(title)s” is full: you are on the waiting list, in position %(position)s. If a "
            "place becomes free, it goes to the first person waiting and we email %(email)s "
            "at once."
        ) % {"title": title, "position": position, "email": registration.email}
    return _(
        "You are registered for “%(title)s”. A confirmation email is on its way to %(email)s."
    ) % {"title": title, "email": registration.email}


def _gone(request):
    return render(
        request,
        "registrations/message.html",
        {
            "title": _("This registration's data has been erased"),
            "message": _(
                "The personal data of this registration has been erased (on request, or "
                "because the period for keeping it has ended), so this link no longer "
                "shows or changes anything."
            ),
        },
        status=410,
    )


def _by_link(view):
    """A page or download reached with a registration's signed link: answers 410 with a
    plain page once the registration's data is erased or due to be."""

    @functools.wraps(view)
    def wrapper(request, token: str, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except permissions.RegistrationGone:
            return _gone(request)

    return wrapper


@require_safe
@_by_link
def self_service(request, token: str):
    registration = permissions.get_registration_for_token(token)
    activity = registration.activity
    times = [
        (s, local_time(s.starts_at, s.ends_at, registration.time_zone, s.time_zone))
        for s in upcoming_sessions(activity)
    ]
    if registration.status == RegistrationStatus.WAITING:
        offers.offers_expire_lazily(activity)
        registration.refresh_from_db()
    position = selectors.waiting_position(registration)
    certificate = Certificate.objects.filter(registration=registration).first()
    return render(
        request,
        "registrations/self_service.html",
        {
            "registration": registration,
            "activity": activity,
            "times": times,
            "position": position,
            "token": token,
            "certificate": certificate,
            "offer": registration.offers.filter(status=OfferStatus.PENDING).first()
            if registration.status == RegistrationStatus.WAITING
            else None,
            **join_context(registration),
        },
    )


@require_safe
@_by_link
def self_service_calendar(request, token: str):
    registration = permissions.get_registration_for_token(token)
    way_in = join_context(registration)["way_in"]
    response = HttpResponse(
        way_in_calendar(registration.activity, way_in),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="activity-{registration.activity_id}.ics"'
    )
    return response


@require_POST
@_by_link
def self_service_cancel(request, token: str):
    registration = permissions.get_registration_for_token(token)
    if not request.POST.get("confirm"):
        title = registration.activity.display_title
        return confirm_page(
            request,
            question=_("Cancel your registration for “%(title)s”?") % {"title": title},
            warning=_("Your place goes to the next person on the waiting list, if any."),
            yes=_("Yes, cancel my registration"),
            back=registration.get_absolute_url(),
        )
    services.registration_cancel(registration=registration)
    messages.success(request, _("Your registration is cancelled."))
    return redirect("registrations:self", token=token)


@require_safe
@_by_link
def self_service_export(request, token: str):
    registration = permissions.get_registration_for_token(token)
    data = json.dumps(services.registration_export(registration), ensure_ascii=False, indent=2)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-registration.json"'
    return response


@require_POST
@_by_link
def self_service_erase(request, token: str):
    registration = permissions.get_registration_for_token(token)
    if not request.POST.get("confirm"):
        title = registration.activity.display_title
        return confirm_page(
            request,
            question=_("Erase your data for “%(title)s”?") % {"title": title},
            warning=_("This cancels the registration and cannot be undone."),
            yes=_("Yes, erase my data"),
            back=registration.get_absolute_url(),
        )
    services.registration_erase(registration=registration)
    return render(
        request,
        "registrations/message.html",
        {
            "title": _("Your data is erased"),
            "message": _(
                "Your name, email address and answers are erased and your place is released."
            ),
        },
    )


@require_safe
@_by_link
def self_service_certificate(request, token: str):
    registration = permissions.get_registration_for_token(token)
    certificate = get_object_or_404(Certificate, registration=registration)
    return downloads.attachment(
        certify.certificate_pdf(certificate),
        name=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@require_safe
def verify(request, code: str):
    certificate = (
        Certificate.objects.select_related("registration__activity")
        .filter(code=code.strip().upper())
        .first()
    )
    return render(
        request,
        "registrations/verify.html",
        {"certificate": certificate, "code": code},
        status=200 if certificate else 404,
    )


# ----- organiser's view -------------------------------------------------------------


@login_required
@require_safe
def registrants(request, pk: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    settings_row = services.settings_for(activity)
    filters = selectors.RegistrantFilters.from_dict(request.GET)
    qs = selectors.registrants(activity, filters)
    return render(
        request,
        "registrations/registrants.html",
        {
            "activity": activity,
            "settings": settings_row,
            "filters": filters,
            "page": page_of(request, qs, per_page=50),
            "query": query_without(request, "page"),
            "counts": selectors.status_counts(activity),
            "matching": qs.count(),
            "by_country": selectors.labelled_breakdown(qs, "country"),
            "by_institution": selectors.labelled_breakdown(qs, "institution"),
            "by_profession": selectors.labelled_breakdown(qs, "profession"),
            "waiting": selectors.waiting_list(activity),
            "statuses": RegistrationStatus.choices,
            "country_choices": selectors.country_choices(activity),
            "profession_choices": Profession.choices,
            "consent_choices": CONSENT_CHOICES,
            "partners_abroad": selectors.partners_abroad(activity),
        },
    )


CONSENT_CHOICES = [
    ("yes", gettext_lazy("Gave it")),
    ("no", gettext_lazy("Refused it")),
    ("unasked", gettext_lazy("Not asked")),
]


@login_required
@require_safe
def export(request, pk: int, fmt: str):
    activity = permissions.get_activity_to_manage(request.user, pk)
    filters = selectors.RegistrantFilters.from_dict(request.GET)
    qs = selectors.registrants(activity, filters)
    # For the partner abroad: only who consented to their data going abroad.
    for_partner = request.GET.get("for") == "partner"
    if for_partner:
        qs = selectors.for_partner_abroad(qs)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    base = f"registrants-{activity.pk}{'-for-partner' if for_partner else ''}-{stamp}"
    if fmt == "csv":
        response = HttpResponse(
            exports.as_csv(activity, qs, for_partner=for_partner),
            content_type="text/csv; charset=utf-8",
        )
        name = f"{base}.csv"
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(activity, qs, for_partner=for_partner),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"{base}.xlsx"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def registration_settings(request, pk: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    row = services.settings_for(activity)
    form = RegistrationSettingsForm(request.POST or None, instance=row)
    question_form = QuestionForm(request.POST or None, prefix="question")
    if request.method == "POST" and request.POST.get("add_question"):
        form = RegistrationSettingsForm(instance=row)
        if question_form.is_valid():
            services.question_save(
                question=Question(activity=activity), fields=question_form.cleaned_data
            )
            messages.success(request, _("The question was added."))
            return redirect("registrations:settings", pk=activity.pk)
    elif request.method == "POST" and request.POST.get("remove_question"):
        services.question_remove(activity=activity, pk=request.POST["remove_question"])
        messages.success(request, _("The question was removed."))
        return redirect("registrations:settings", pk=activity.pk)
    elif request.method == "POST":
        question_form = QuestionForm(prefix="question")
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            fields["reminder_minutes"] = form.cleaned_data["reminders"]
            services.registration_settings_save(activity=activity, fields=fields)
            messages.success(request, _("Registration settings saved."))
            return redirect("registrations:registrants", pk=activity.pk)
    return render(
        request,
        "registrations/settings.html",
        {
            "activity": activity,
            "form": form,
            "question_form": question_form,
            "questions": activity.registration_questions.all(),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def announce(request, pk: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    filters = selectors.RegistrantFilters.from_dict(request.GET)
    recipients = announcement_recipients(activity, filters).count()
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement = announcement_create(
            activity=activity,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            filters=filters,
            user=request.user,
        )
        messages.success(
            request,
            _("Your message is being sent to %(n)s registrants.") % {"n": announcement.recipients},
        )
        return redirect("registrations:registrants", pk=activity.pk)
    return render(
        request,
        "registrations/announce.html",
        {
            "activity": activity,
            "form": form,
            "filters": filters,
            "recipients": recipients,
            "announcements": activity.announcements.all()[:20],
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    """Read an attendance report, see what matched, check people in by hand, issue
    certificates."""
    activity = permissions.get_activity_to_manage(request.user, pk)
    form = AttendanceReportForm(request.POST or None, request.FILES or None, activity=activity)
    headers: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = parse_report(
                upload.read(),
                filename=upload.name,
                tz=ZoneInfo(form.cleaned_data["time_zone"]),
                mapping=form.mapping(),
            )
        except UnknownColumns as unknown:
            headers = unknown.headers
            form.add_error("file", str(unknown))
        except ReportError as problem:
            form.add_error("file", str(problem))
        else:
            record = attendance_import(
                activity=activity,
                session=form.cleaned_data["session"],
                filename=upload.name,
                parsed=parsed,
                user=request.user,
                platform=form.cleaned_data["platform"],
                platform_name=form.cleaned_data["platform_name"],
            )
            return redirect("registrations:attendance_report", pk=activity.pk, report=record.pk)
    q = request.GET.get("q", "").strip()
    people = selectors.registrants(activity, selectors.RegistrantFilters(q=q)).exclude(
        status=RegistrationStatus.CANCELLED
    )
    return render(
        request,
        "registrations/attendance.html",
        {
            "activity": activity,
            "form": form,
            "headers": headers,
            "imports": activity.attendance_imports.select_related("session")[:20],
            "page": page_of(request, people, per_page=50),
            "query": query_without(request, "page"),
            "q": q,
            "certificates": certify.certificates_summary(activity),
            "settings": services.settings_for(activity),
            "figures": session_figures(activity),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def attendance_export(request, pk: int, fmt: str):
    """Attendance per session: the figures per way in and merged, and each person's
    minutes in the room, on the livestreams and merged."""
    activity = permissions.get_activity_to_manage(request.user, pk)
    table = attendance_table(activity)
    if fmt == "csv":
        response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(table, title=_("Attendance")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="attendance-{activity.pk}.{fmt}"'
    return response


@login_required
@require_safe
def attendance_report(request, pk: int, report: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    record = get_object_or_404(activity.attendance_imports, pk=report)
    unmatched = [line for line in record.report if line["message"]]
    return render(
        request,
        "registrations/attendance_report.html",
        {"activity": activity, "record": record, "unmatched": unmatched},
    )


@login_required
@require_POST
def check_in(request, pk: int, registration: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    target = get_object_or_404(Registration.objects.filter(activity=activity), pk=registration)
    services.registration_check_in(registration=target, present=request.POST.get("present") == "1")
    back = reverse("registrations:attendance", args=[activity.pk])
    return redirect(f"{back}?{request.GET.urlencode()}" if request.GET else back)


@login_required
@require_POST
def issue_certificates(request, pk: int):
    activity = permissions.get_activity_to_manage(request.user, pk)
    try:
        certify.certificates_queue(activity=activity)
    except certify.CertificatesNotYet as refused:
        messages.error(request, str(refused))
        return redirect("registrations:attendance", pk=activity.pk)
    messages.success(
        request,
        _("Certificates are being issued; their holders are emailed when each is ready."),
    )
    return redirect("registrations:attendance", pk=activity.pk)


# ----- the privacy notice -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def privacy_notices(request):
    """The privacy notice's versions, and publishing a new one (office staff)."""
    permissions.require_office_staff(request.user)
    current = services.privacy_notice_current()
    form = PrivacyNoticeForm(
        request.POST or None,
        initial={"text": current.text, "text_local": current.text_local},
    )
    if request.method == "POST" and form.is_valid():
        notice = services.privacy_notice_publish(
            text=form.cleaned_data["text"],
            text_local=form.cleaned_data["text_local"],
            effective_at=form.cleaned_data["effective_at"],
            user=request.user,
        )
        messages.success(
            request,
            _("Version %(version)s of the privacy notice is published.")
            % {"version": notice.version},
        )
        return redirect("registrations:privacy_notices")
    return render(
        request,
        "registrations/privacy_notices.html",
        {
            "form": form,
            "current": current,
            "notices": selectors.privacy_notices(),
        },
        status=422 if request.method == "POST" else 200,
    )
