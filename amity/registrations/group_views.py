"""Pages of group registration (``groups``): a coordinator registers a team (check the
table, see every problem, confirm), the organiser makes and revokes group links and sees
the teams registered."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amity.core import ratelimit
from amity.registrations import groups, permissions, services
from amity.registrations.forms import GroupLinkForm, TeamTableForm
from amity.registrations.models import GroupLink, RegistrationStatus

SESSION_KEY = "amity_team_submission"


def _language() -> str:
    return "zh-hans" if get_language() == "zh-hans" else "en"


def _read(form: TeamTableForm) -> groups.TeamTable:
    upload = form.cleaned_data.get("file")
    if upload is not None:
        return groups.read_team_table(upload.read(), upload.name)
    return groups.read_team_table(form.cleaned_data["table"])


def _team_page(request, *, activity, institution, label: str, link: GroupLink | None, done):
    """The coordinator's page, with or without a link: check a table (every problem
    listed, nothing saved), then confirm to register everyone. ``done`` answers a saved
    submission."""
    language = _language()
    form = TeamTableForm()
    check = None
    confirm_error = ""
    status = 200
    if request.method == "POST":
        if not ratelimit.allow(request, "team", 30):
            return render(
                request,
                "registrations/message.html",
                {"title": _("Too many attempts"), "message": _("Wait a minute and try again.")},
                status=429,
            )
        if request.POST.get("confirm"):
            table = groups.TeamTable.from_json(request.POST.get("rows", ""))
            if not request.POST.get("consent"):
                check = groups.team_check(
                    activity, table, institution=institution, language=language
                )
                confirm_error = _(
                    "Confirm that everyone in the table has read the privacy notice and "
                    "agrees to it."
                )
                status = 422
            else:
                try:
                    submission, _check = groups.group_register(
                        activity=activity,
                        table=table,
                        user=request.user,
                        institution=institution,
                        label=label,
                        link=link,
                        language=language,
                    )
                except groups.TeamInvalid as invalid:
                    check, status = invalid.check, 422
                except (groups.GroupLinkUnusable, services.RegistrationClosed) as refused:
                    return render(
                        request,
                        "registrations/message.html",
                        {"title": activity.display_title, "message": str(refused)},
                        status=409,
                    )
                else:
                    request.session[SESSION_KEY] = submission.pk
                    return done(submission)
        else:
            form = TeamTableForm(request.POST, request.FILES)
            if form.is_valid():
                check = groups.team_check(
                    activity, _read(form), institution=institution, language=language
                )
                status = 200 if check.ok else 422
            else:
                status = 422
    return render(
        request,
        "registrations/team.html",
        {
            "activity": activity,
            "institution": institution,
            "label": label or (institution.name if institution else ""),
            "form": form,
            "check": check,
            "confirm_error": confirm_error,
            "notice": services.privacy_notice_current(),
            "columns": groups.FIELD_LABELS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_register(request, pk: int):
    """A partner contact registers their institution's team (an organiser any team)."""
    activity, institution = groups.get_activity_for_team(request.user, pk)

    def done(submission):
        return redirect("registrations:team_submission", pk=activity.pk, submission=submission.pk)

    return _team_page(
        request, activity=activity, institution=institution, label="", link=None, done=done
    )


@require_http_methods(["GET", "POST"])
def team_register_by_link(request, token: str):
    """Anyone holding a group link registers the team it names, once."""
    link = groups.group_link_for_token(token)
    if link is None:
        raise Http404(_("This link is not valid (any more)."))
    activity = link.activity
    problem = groups.group_link_problem(link)
    if problem:
        submission = getattr(link, "submission", None) if link.used_at else None
        if submission is not None and request.session.get(SESSION_KEY) == submission.pk:
            return _submission_page(request, activity, submission)
        return render(
            request,
            "registrations/message.html",
            {"title": activity.display_title, "message": problem},
            status=410,
        )
    if services.settings_for(activity) is None:
        raise Http404(_("This activity does not take registrations."))

    def done(_submission):
        return redirect("registrations:team_by_link", token=token)

    return _team_page(
        request,
        activity=activity,
        institution=link.institution,
        label=link.label,
        link=link,
        done=done,
    )


def _submission_page(request, activity, submission):
    people = submission.registrations.order_by("pk")
    return render(
        request,
        "registrations/team_done.html",
        {
            "activity": activity,
            "submission": submission,
            "people": people,
            "statuses": RegistrationStatus,
        },
    )


@login_required
@require_safe
def team_submission(request, pk: int, submission: int):
    """One team registered: who, and whether each has a place or waits."""
    activity, _institution = groups.get_activity_for_team(request.user, pk)
    found = get_object_or_404(groups.submissions_visible(request.user, activity), pk=submission)
    return _submission_page(request, activity, found)


@login_required
@require_http_methods(["GET", "POST"])
def group_links(request, pk: int):
    """The organiser's group links (make one, revoke one) and the teams registered."""
    activity = permissions.get_activity_to_manage(request.user, pk)
    form = GroupLinkForm(request.POST or None)
    new_link = ""
    status = 200
    if request.method == "POST" and request.POST.get("revoke"):
        link = get_object_or_404(activity.group_links, pk=request.POST["revoke"])
        groups.group_link_revoke(link=link)
        messages.success(request, _("The link for “%(team)s” is revoked.") % {"team": link.label})
        return redirect("registrations:group_links", pk=activity.pk)
    if request.method == "POST":
        if form.is_valid():
            link, token = groups.group_link_create(
                activity=activity,
                label=form.cleaned_data["label"],
                institution=form.cleaned_data["institution"],
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
                user=request.user,
            )
            # Shown only now: the database keeps the token's hash.
            new_link = request.build_absolute_uri(
                reverse("registrations:team_by_link", args=[token])
            )
            form = GroupLinkForm()
        else:
            status = 422
    return render(
        request,
        "registrations/group_links.html",
        {
            "activity": activity,
            "form": form,
            "new_link": new_link,
            "links": activity.group_links.select_related("institution", "created_by"),
            "submissions": groups.submissions_visible(request.user, activity),
            "now": timezone.now(),
        },
        status=status,
    )
