"""Research pages of a study's sites: adding and editing a site, linking the agreements
it signed, recording its ethics approvals, and the month grid where its coordinator (or
its partner contact) enters enrolment counts.

A partner contact reaches only their own institution's site: any other site's address
answers 404, as if it did not exist (the REDCap data-access-group rule).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amity.core.editing import changes_saved, confirm_page, edit_page, form_errors
from amity.relations.models import Agreement
from amity.research import permissions, selectors, services
from amity.research.forms import (
    AgreementLinkForm,
    ApprovalForm,
    EnrolmentForm,
    SiteForm,
    month_label,
)
from amity.research.models import SITE_AGREEMENT_KINDS, Site
from amity.sharing.permissions import documents_visible_to


def _site(user, pk: int) -> Site:
    """The site, when ``user`` may see it; 404 otherwise."""
    return selectors.site_for(user, pk)


def _site_to_edit(user, pk: int) -> Site:
    site = _site(user, pk)
    if not permissions.can_edit_study(user, site.study):
        raise PermissionDenied
    return site


@login_required
@require_http_methods(["GET", "POST"])
def site_add(request, pk: int):
    user = request.user
    study = selectors.study_for(user, pk)
    if not permissions.can_edit_study(user, study):
        raise PermissionDenied
    form = SiteForm(request.POST or None, initial={"joined_on": timezone.localdate()})
    return edit_page(
        request,
        form=form,
        save=lambda data: services.site_add(by=user, study=study, **data),
        template="research/site_form.html",
        context={"study": study, "site": None},
        success_message=lambda site: (
            _("%s was added as a site of the study.") % site.institution.name
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, pk: int):
    user = request.user
    site = _site_to_edit(user, pk)
    form = SiteForm(request.POST or None, instance=site)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.site_update(by=user, site=site, **data),
        template="research/site_form.html",
        context={"study": site.study, "site": site},
        success_message=lambda saved: changes_saved(site.institution.name),
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_agreement(request, pk: int):
    user = request.user
    site = _site_to_edit(user, pk)
    agreements = (
        Agreement.objects.filter(partners=site.institution, kind__in=SITE_AGREEMENT_KINDS)
        .exclude(pk__in=site.agreements.values("pk"))
        .order_by("-signed_on", "title")
    )
    form = AgreementLinkForm(request.POST or None, agreements=agreements)
    return edit_page(
        request,
        form=form,
        save=lambda data: services.site_link_agreement(
            by=user, site=site, agreement=data["agreement"]
        ),
        template="research/agreement_link.html",
        context={"study": site.study, "site": site, "has_choices": agreements.exists()},
        success_message=lambda saved: (
            _("“%(agreement)s” is now linked to the site %(site)s.")
            % {"agreement": form.cleaned_data["agreement"].title, "site": site.institution.name}
        ),
        redirect_to=lambda saved: site.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_add(request, pk: int):
    user = request.user
    site = _site(user, pk)
    if not permissions.can_record_approval(user, site):
        raise PermissionDenied
    form = ApprovalForm(
        request.POST or None, documents=documents_visible_to(user).order_by("title")
    )
    return edit_page(
        request,
        form=form,
        save=lambda data: services.approval_record(by=user, site=site, **data),
        template="research/approval_form.html",
        context={"study": site.study, "site": site},
        success_message=lambda approval: (
            _("The approval %(reference)s of %(site)s was recorded.")
            % {"reference": approval.reference, "site": site.institution.name}
        ),
        redirect_to=lambda approval: site.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrolment(request, pk: int):
    """The site's month grid: the last twelve months and one more month on request. Only
    counts — no field here takes anything about a participant."""
    user = request.user
    site = _site(user, pk)
    if not permissions.can_enter_enrolment(user, site):
        raise PermissionDenied
    today = timezone.localdate()
    counts = selectors.site_enrolment(user, site)
    form = EnrolmentForm(request.POST or None, counts=counts, today=today)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            # All months or none: one refused month leaves the form as typed, with the
            # message on it.
            services.enrolment_enter_months(by=user, site=site, counts=dict(changes))
        except ValidationError as error:
            form_errors(form, error)
        else:
            if changes:
                messages.success(
                    request,
                    _("The enrolment of %(months)s was saved.")
                    % {"months": ", ".join(month_label(m) for m, _c in sorted(changes))},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("research:enrolment", pk=site.pk)
    earlier = sorted(
        ((month, count) for month, count in counts.items() if month < form.months[-1]),
        reverse=True,
    )
    return TemplateResponse(
        request,
        "research/enrolment.html",
        {
            "site": site,
            "study": site.study,
            "form": form,
            "earlier": [(month_label(m), c) for m, c in earlier],
            "total": sum(counts.values()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_unlink_agreement(request, pk: int, agreement_pk: int):
    user = request.user
    site = _site_to_edit(user, pk)
    agreement = get_object_or_404(site.agreements.all(), pk=agreement_pk)
    if request.method == "POST" and request.POST.get("confirm"):
        services.site_unlink_agreement(by=user, site=site, agreement=agreement)
        messages.success(
            request,
            _("“%(agreement)s” is no longer linked to the site %(site)s.")
            % {"agreement": agreement.title, "site": site.institution.name},
        )
        return redirect(site.get_absolute_url())
    return confirm_page(
        request,
        question=_("Unlink “%(item)s” from %(study)s?")
        % {"item": agreement.title, "study": site.institution.name},
        warning=_("The agreement itself stays with the partner's agreements."),
        yes=_("Yes, unlink it"),
        back=site.get_absolute_url(),
    )
