"""Research pages of studies: the overview, a study's page, its description, status,
team, registry identifiers, and the activities and documents linked to it.

Each view parses input, reaches the study through ``amity.research.selectors`` /
``permissions`` (a study someone may not see does not exist for them: 404), checks the
right to change it (403), calls one service and renders or redirects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from amity.core.editing import changes_saved, confirm_page, edit_page
from amity.events.models import ActivityKind
from amity.events.permissions import activities_visible_to, can_manage_activity
from amity.research import enrolment, exports, identifiers, permissions, selectors, services
from amity.research.forms import (
    ActivityLinkForm,
    DocumentLinkForm,
    MemberForm,
    RegistryIdForm,
    StudyForm,
    StudyStatusForm,
)
from amity.research.models import STATUSES_RUNNING, ApprovalState, RegistryId, Study, StudyMember
from amity.sharing.permissions import documents_visible_to

# The tables a reader may download, with their names (``amity.research.exports``).
EXPORT_TABLES = [(slug, table.title) for slug, table in exports.TABLES.items()]


def _study(user, pk: int) -> Study:
    return selectors.study_for(user, pk)


def _study_to_edit(user, pk: int) -> Study:
    study = _study(user, pk)
    if not permissions.can_edit_study(user, study):
        raise PermissionDenied
    return study


# --- overview ------------------------------------------------------------------------------


@login_required
@require_safe
def overview(request):
    user = request.user
    if not (permissions.is_home_staff(user) or permissions.sites_visible_to(user).exists()):
        raise Http404
    rows = selectors.overview(user)
    return TemplateResponse(
        request,
        "research/overview.html",
        {
            "rows": rows,
            "can_create": permissions.can_create_study(user),
            "totals": permissions.can_see_study_totals(user),
            "export_tables": EXPORT_TABLES,
            "today": timezone.localdate(),
        },
    )


# --- a study's page ------------------------------------------------------------------------


def _enrolment(user, study: Study, sites: list, today) -> dict:
    """The enrolment figures of the sites ``user`` may see: the chart, the total against
    target and the projected completion — of the whole study for home staff, of their
    own site for a partner contact (who never sees the study's total)."""
    by_site: dict[int, dict] = {site.pk: {} for site in sites}
    total: dict = {}
    for row in selectors.enrolment_for(user, study):
        if row.site_id in by_site:
            by_site[row.site_id][row.month] = row.count
            total[row.month] = total.get(row.month, 0) + row.count
    for site in sites:
        site.enrolled = sum(by_site[site.pk].values())
    whole_study = permissions.can_see_study_totals(user)
    site_targets = sum(site.target or 0 for site in sites) or None
    target = (study.target_enrolment or site_targets) if whole_study else site_targets
    chart = ""
    if total:
        chart = enrolment.enrolment_chart_svg(
            [
                enrolment.SiteSeries(
                    name=site.institution.display_short_name,
                    counts=by_site[site.pk],
                    target=site.target,
                )
                for site in sites
            ],
            # A running study's axis reaches this month (a silent month shows as flat);
            # a finished one's ends with its last figures, not years of flat line.
            as_of=today if study.status in STATUSES_RUNNING else None,
        )
    return {
        "chart": chart,
        "total_enrolled": sum(total.values()),
        "total_target": target,
        "projected": enrolment.projected_completion(total, target),
        "whole_study": whole_study,
    }


@login_required
@require_safe
def study_detail(request, pk: int):
    user = request.user
    study = _study(user, pk)
    today = timezone.localdate()
    sites = list(selectors.sites_for(user, study))
    for site in sites:
        site.study = study  # known already: the permission checks below need not load it
        approvals = list(site.approvals.all())
        site.current_approval = approvals[0] if approvals else None
        site.approval_state = approvals[0].state(today) if approvals else ""
        site.can_enter = permissions.can_enter_enrolment(user, site)
    activities = list(
        activities_visible_to(user).filter(pk__in=study.activities.values("pk")).order_by("title")
    )
    for activity in activities:
        activity.can_plan = activity.kind == ActivityKind.CALL and can_manage_activity(
            user, activity
        )
    can_edit = permissions.can_edit_study(user, study)
    return TemplateResponse(
        request,
        "research/study_detail.html",
        {
            "study": study,
            "registry_ids": [
                (rid, identifiers.registry_url(rid.registry, rid.identifier))
                for rid in study.registry_ids.all()
            ],
            "members": list(study.members.select_related("person__institution")),
            "sites": sites,
            "documents": list(
                documents_visible_to(user)
                .filter(pk__in=study.documents.values("pk"))
                .select_related("current_version")
                .order_by("title")
            ),
            "activities": activities,
            "publications": list(study.publications.all()),
            "topics": list(study.topics.all()),
            "can_edit": can_edit,
            "status_form": StudyStatusForm(initial={"status": study.status}) if can_edit else None,
            "expiring": ApprovalState.EXPIRING,
            "expired": ApprovalState.EXPIRED,
            "today": today,
            "export_tables": EXPORT_TABLES,
            **_enrolment(user, study, sites, today),
        },
    )


# --- create and edit -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def study_create(request):
    user = request.user
    if not permissions.is_home_staff(user):
        raise Http404
    if not permissions.can_create_study(user):
        raise PermissionDenied
    form = StudyForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.study_create(by=user, **data),
        template="research/study_form.html",
        context={"study": None},
        success_message=lambda study: _("The study “%s” was created.") % study.display_title,
    )


@login_required
@require_http_methods(["GET", "POST"])
def study_edit(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = StudyForm(request.POST or None, instance=study)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.study_update(by=user, study=study, **data),
        template="research/study_form.html",
        context={"study": study},
        success_message=lambda saved: changes_saved(saved.display_title),
    )


@login_required
@require_POST
def study_status(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = StudyStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed statuses."))
        return redirect(study)
    try:
        study = services.study_set_status(by=user, study=study, status=form.cleaned_data["status"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The study is now: %s.") % study.get_status_display())
    return redirect(study)


# --- team, registry identifiers ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = MemberForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.study_member_add(
            by=user, study=study, person=data["person"], role=data["role"]
        ),
        template="research/member_form.html",
        context={"study": study},
        success_message=lambda member: _("%s joined the study team.") % member.person.full_name,
        redirect_to=lambda member: study,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, pk: int, member_pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    member = get_object_or_404(
        StudyMember.objects.select_related("person"), pk=member_pk, study=study
    )
    if request.method == "POST" and request.POST.get("confirm"):
        services.study_member_remove(by=user, study=study, person=member.person, role=member.role)
        messages.success(request, _("%s was taken off the study team.") % member.person.full_name)
        return redirect(study)
    return confirm_page(
        request,
        question=_("Take %(person)s (%(role)s) off the team of %(study)s?")
        % {
            "person": member.person.full_name,
            "role": member.get_role_display(),
            "study": study.display_title,
        },
        yes=_("Yes, take off the team"),
        back=study.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def registry_add(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = RegistryIdForm(request.POST or None)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.registry_id_add(
            by=user, study=study, registry=data["registry"], identifier=data["identifier"]
        ),
        template="research/registry_form.html",
        context={"study": study},
        success_message=lambda rid: _("%s was added to the study.") % rid.identifier,
        redirect_to=lambda rid: study,
    )


@login_required
@require_http_methods(["GET", "POST"])
def registry_remove(request, pk: int):
    user = request.user
    registry_id = get_object_or_404(RegistryId, pk=pk)
    study = _study_to_edit(user, registry_id.study_id)
    if request.method == "POST" and request.POST.get("confirm"):
        services.registry_id_remove(by=user, registry_id=registry_id)
        messages.success(request, _("%s was removed from the study.") % registry_id.identifier)
        return redirect(study)
    return confirm_page(
        request,
        question=_("Remove %(identifier)s from %(study)s?")
        % {"identifier": registry_id.identifier, "study": study.display_title},
        yes=_("Yes, remove it"),
        back=study.get_absolute_url(),
    )


# --- linked activities and documents -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def link_activity(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = ActivityLinkForm(
        request.POST or None,
        activities=activities_visible_to(user)
        .exclude(pk__in=study.activities.values("pk"))
        .order_by("title"),
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.study_link_activity(
            by=user, study=study, activity=data["activity"]
        ),
        template="research/link_form.html",
        context={"study": study, "heading": _("Link an activity"), "what": "activity"},
        success_message=lambda saved: (
            _("“%s” is now linked to the study.") % form.cleaned_data["activity"].display_title
        ),
        redirect_to=lambda saved: reverse("research:study_detail", args=[study.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def link_document(request, pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    form = DocumentLinkForm(
        request.POST or None,
        documents=documents_visible_to(user)
        .exclude(pk__in=study.documents.values("pk"))
        .order_by("title"),
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.study_link_document(
            by=user, study=study, document=data["document"]
        ),
        template="research/link_form.html",
        context={"study": study, "heading": _("Link a document"), "what": "document"},
        success_message=lambda saved: (
            _("“%s” is now linked to the study.") % form.cleaned_data["document"].display_title
        ),
        redirect_to=lambda saved: reverse("research:study_detail", args=[study.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def unlink_activity(request, pk: int, activity_pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    activity = get_object_or_404(study.activities.all(), pk=activity_pk)
    if request.method == "POST" and request.POST.get("confirm"):
        services.study_unlink_activity(by=user, study=study, activity=activity)
        messages.success(
            request, _("“%s” is no longer linked to the study.") % activity.display_title
        )
        return redirect(study)
    return confirm_page(
        request,
        question=_("Unlink “%(item)s” from %(study)s?")
        % {"item": activity.display_title, "study": study.display_title},
        warning=_("The activity itself stays as it is."),
        yes=_("Yes, unlink it"),
        back=study.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def unlink_document(request, pk: int, document_pk: int):
    user = request.user
    study = _study_to_edit(user, pk)
    document = get_object_or_404(study.documents.all(), pk=document_pk)
    if request.method == "POST" and request.POST.get("confirm"):
        services.study_unlink_document(by=user, study=study, document=document)
        messages.success(
            request, _("“%s” is no longer linked to the study.") % document.display_title
        )
        return redirect(study)
    return confirm_page(
        request,
        question=_("Unlink “%(item)s” from %(study)s?")
        % {"item": document.display_title, "study": study.display_title},
        warning=_("The document itself, its versions and its sharing stay as they are."),
        yes=_("Yes, unlink it"),
        back=study.get_absolute_url(),
    )
