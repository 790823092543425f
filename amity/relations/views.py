"""Pages for agreements, letters and campaigns. Each view parses input, checks access
through ``permissions``, calls one service or selector, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from amity.core import storage
from amity.core.editing import edit_page
from amity.core.paging import page_of, query_without
from amity.directory.permissions import get_institution_for_user, institutions_visible_to
from amity.relations import extensions, permissions, placeholders, selectors, services
from amity.relations.forms import (
    AgreementFilterForm,
    AgreementForm,
    CampaignForm,
    IncomingLetterForm,
    RecipientListForm,
    ReplyForm,
    TemplateForm,
)
from amity.relations.models import (
    Agreement,
    AttachedFile,
    Campaign,
    LetterTemplate,
    RecipientList,
)
from amity.relations.pdf import letters_pdf

PAGE_SIZE = 50
PREVIEW_PAGE_SIZE = 20


def _file_response(obj: AttachedFile) -> HttpResponse:
    if not obj.file:
        raise Http404
    # An uploaded file is never run as a page (core.downloads: sandbox, nosniff, no-store);
    # it is streamed from the storage every server shares.
    try:
        return storage.download(
            obj.file.name,
            filename=obj.file_name or "file",
            content_type=obj.file_type or "application/octet-stream",
        )
    except FileNotFoundError as error:
        raise Http404 from error


# --- agreements --------------------------------------------------------------------------


@login_required
def agreement_list(request):
    user = request.user
    form = AgreementFilterForm(
        request.GET or None, institutions=institutions_visible_to(user).partners().order_by("name")
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.AgreementFilters(
        q=data.get("q", "").strip(),
        institution=data["institution"].pk if data.get("institution") else None,
        state=data.get("state", ""),
        expiring_before=data.get("expiring_before"),
    )
    page = page_of(request, selectors.agreement_list(user=user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "relations/agreement_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "can_add": permissions.can_manage_agreements(user),
            "section": "agreements",
        },
    )


@login_required
def agreement_detail(request, pk: int):
    agreement = permissions.get_agreement_for_user(request.user, pk)
    return render(
        request,
        "relations/agreement_detail.html",
        {
            "agreement": agreement,
            "partners": agreement.partners.order_by("name"),
            "reminders": agreement.reminders.all()
            if permissions.can_manage_agreements(request.user)
            else [],
            "can_edit": permissions.can_manage_agreements(request.user),
        },
    )


def _agreement_form_page(request, agreement: Agreement | None):
    form = AgreementForm(request.POST or None, request.FILES or None, instance=agreement)

    def save(data: dict) -> Agreement:
        if agreement is None:
            return services.agreement_create(
                fields=form.service_fields(),
                partners=data["partners"],
                file=data.get("upload"),
                user=request.user,
            )
        return services.agreement_update(
            agreement=agreement,
            fields=form.service_fields(),
            partners=data["partners"],
            file=data.get("upload"),
        )

    return edit_page(
        request,
        form=form,
        save=save,
        template="relations/agreement_form.html",
        context={"agreement": agreement, "section": "agreements"},
        success_message=lambda saved: _("The agreement “%s” was saved.") % saved,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    if not permissions.can_manage_agreements(request.user):
        raise PermissionDenied
    return _agreement_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk: int):
    return _agreement_form_page(request, permissions.get_agreement_for_edit(request.user, pk))


@login_required
@require_safe
def agreement_file(request, pk: int):
    """The signed copy, only to those who may read the agreement."""
    return _file_response(permissions.get_agreement_for_user(request.user, pk))


# --- campaigns ---------------------------------------------------------------------------


@login_required
def campaign_list(request):
    permissions.require_correspondence_reader(request.user)
    page = page_of(request, selectors.campaign_list(user=request.user), PAGE_SIZE)
    return render(
        request,
        "relations/campaign_list.html",
        {
            "page": page,
            "query": "",
            "templates": LetterTemplate.objects.order_by("name"),
            "can_write": permissions.can_write_letters(request.user),
            "section": "letters",
        },
    )


def _campaign_form_page(request, campaign: Campaign | None):
    initial = {}
    if campaign is None and request.GET.get("template", "").isdigit():
        template = LetterTemplate.objects.filter(pk=request.GET["template"]).first()
        if template:
            initial = services.campaign_from_template(template)
    form = CampaignForm(request.POST or None, instance=campaign, initial=initial)

    def save(data: dict) -> Campaign:
        fields = dict(data)
        if campaign is None and initial.get("template"):
            fields["template"] = initial["template"]
        if campaign is None:
            return services.campaign_create(fields=fields, user=request.user)
        return services.campaign_update(campaign=campaign, fields=fields)

    return edit_page(
        request,
        form=form,
        save=save,
        template="relations/campaign_form.html",
        context={"campaign": campaign, "placeholders": placeholders.KNOWN, "section": "letters"},
        success_message=lambda saved: (
            _("“%s” was saved. Check each letter before sending.") % saved
        ),
        redirect_to=lambda saved: reverse("relations:campaign_preview", args=[saved.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    permissions.require_letter_writer(request.user)
    return _campaign_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    campaign = permissions.get_campaign_for_edit(request.user, pk)
    if campaign.is_sent:
        messages.info(request, _("This letter was sent; it cannot change."))
        return redirect(campaign)
    return _campaign_form_page(request, campaign)


@login_required
def campaign_detail(request, pk: int):
    campaign = permissions.get_campaign_for_user(request.user, pk)
    context = {
        "campaign": campaign,
        "can_write": permissions.can_write_letters(request.user),
        "section": "letters",
    }
    if campaign.is_sent:
        context["progress"] = selectors.campaign_progress(campaign)
        context["page"] = page_of(request, selectors.campaign_letters(campaign), PAGE_SIZE)
        context["query"] = ""
    else:
        context["recipient_count"] = selectors.campaign_recipients(campaign).count()
        context["left_out"] = selectors.campaign_left_out(campaign)
    return render(request, "relations/campaign_detail.html", context)


@login_required
def campaign_preview(request, pk: int):
    """Every recipient with the letter they will get, a page at a time."""
    campaign = permissions.get_campaign_for_edit(request.user, pk)
    if campaign.is_sent:
        return redirect(campaign)
    recipients = selectors.campaign_recipients(campaign)
    page = page_of(request, recipients, PREVIEW_PAGE_SIZE)
    return render(
        request,
        "relations/campaign_preview.html",
        {
            "campaign": campaign,
            "page": page,
            "query": "",
            "letters": [selectors.preview_letter(campaign, person) for person in page],
            "recipient_count": page.paginator.count,
            "left_out": selectors.campaign_left_out(campaign),
            "section": "letters",
        },
    )


@login_required
@require_POST
def campaign_send(request, pk: int):
    campaign = permissions.get_campaign_for_edit(request.user, pk)
    try:
        outcome = services.campaign_send(campaign=campaign, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("relations:campaign_preview", campaign.pk)
    if outcome.already_sent:
        messages.info(request, _("This letter was already sent; nothing more was sent."))
    elif campaign.by_email:
        messages.success(
            request,
            _("%(count)s letters were written and queued for sending.")
            % {"count": outcome.letters},
        )
    else:
        messages.success(
            request,
            _("%(count)s letters were written. Download them as one PDF to print.")
            % {"count": outcome.letters},
        )
    return redirect(campaign)


@login_required
@require_safe
def campaign_progress(request, pk: int):
    """The counts the progress page polls."""
    campaign = permissions.get_campaign_for_user(request.user, pk)
    return JsonResponse(selectors.campaign_progress(campaign))


@login_required
@require_safe
def campaign_pdf(request, pk: int):
    """Every letter of a sent campaign in one PDF, to print."""
    campaign = permissions.get_campaign_for_user(request.user, pk)
    letters = list(selectors.campaign_letters(campaign).select_related("campaign"))
    if not letters:
        raise Http404
    response = HttpResponse(letters_pdf(letters), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letters-{campaign.pk}.pdf"'
    return response


# --- letters, replies, letters received --------------------------------------------------


@login_required
def letter_detail(request, pk: int):
    letter = permissions.get_letter_for_user(request.user, pk)
    return render(
        request,
        "relations/letter_detail.html",
        {
            "letter": letter,
            "replies": selectors.letter_replies(user=request.user, letter=letter),
            "can_write": permissions.can_write_letters(request.user),
            "show_delivery": permissions.is_home_staff(request.user),
            "section": "letters",
        },
    )


@login_required
@require_safe
def letter_pdf(request, pk: int):
    letter = permissions.get_letter_for_user(request.user, pk)
    response = HttpResponse(letters_pdf([letter]), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{letter.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reply_create(request, pk: int):
    letter = permissions.get_letter_for_reply(request.user, pk)
    return edit_page(
        request,
        form=ReplyForm(request.POST or None, request.FILES or None),
        save=lambda data: services.reply_record(
            letter=letter,
            fields={k: v for k, v in data.items() if k != "upload"},
            file=data.get("upload"),
            user=request.user,
        ),
        template="relations/reply_form.html",
        context={"letter": letter, "section": "letters"},
        success_message=lambda reply: _("The reply was recorded."),
        redirect_to=lambda reply: letter,
    )


@login_required
@require_safe
def reply_file(request, pk: int):
    return _file_response(permissions.get_reply_for_user(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def incoming_create(request, pk: int):
    institution = get_institution_for_user(request.user, pk)
    permissions.require_letter_writer(request.user)
    return edit_page(
        request,
        form=IncomingLetterForm(
            request.POST or None, request.FILES or None, institution=institution
        ),
        save=lambda data: services.incoming_letter_record(
            institution=institution,
            fields={k: v for k, v in data.items() if k != "upload"},
            file=data.get("upload"),
            user=request.user,
        ),
        template="relations/incoming_form.html",
        context={"institution": institution, "section": "letters"},
        success_message=lambda letter: _("The letter received was logged."),
        redirect_to=lambda letter: institution,
    )


@login_required
@require_safe
def incoming_file(request, pk: int):
    return _file_response(permissions.get_incoming_letter_for_user(request.user, pk))


# --- templates and recipient lists -------------------------------------------------------


@login_required
def template_list(request):
    permissions.require_letter_writer(request.user)
    return render(
        request,
        "relations/template_list.html",
        {"templates": LetterTemplate.objects.order_by("name"), "section": "templates"},
    )


def _template_form_page(request, template: LetterTemplate | None):
    return edit_page(
        request,
        form=TemplateForm(request.POST or None, instance=template),
        save=lambda data: services.template_save(template=template, fields=data, user=request.user),
        template="relations/template_form.html",
        context={"template": template, "placeholders": placeholders.KNOWN, "section": "templates"},
        success_message=lambda saved: _("The template “%s” was saved.") % saved,
        redirect_to=lambda saved: "relations:template_list",
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    permissions.require_letter_writer(request.user)
    return _template_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    return _template_form_page(request, permissions.get_template_for_edit(request.user, pk))


@login_required
def list_list(request):
    permissions.require_letter_writer(request.user)
    lists = RecipientList.objects.order_by("name").prefetch_related("people")
    return render(request, "relations/list_list.html", {"lists": lists, "section": "lists"})


def _list_form_page(request, recipient_list: RecipientList | None):
    return edit_page(
        request,
        form=RecipientListForm(request.POST or None, instance=recipient_list),
        save=lambda data: services.recipient_list_save(
            recipient_list=recipient_list,
            fields={k: v for k, v in data.items() if k != "people"},
            people=data["people"],
        ),
        template="relations/list_form.html",
        context={"recipient_list": recipient_list, "section": "lists"},
        success_message=lambda saved: _("The list “%s” was saved.") % saved,
        redirect_to=lambda saved: "relations:list_list",
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_create(request):
    permissions.require_letter_writer(request.user)
    return _list_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request, pk: int):
    return _list_form_page(request, permissions.get_list_for_edit(request.user, pk))


# --- the partner page (the directory's institution page includes this) ------------------

TIMELINE_PAGE_SIZE = 50


def partner_sections(request, institution) -> dict:
    """The context the institution page adds for a partner: agreements, activities,
    letters, documents and the timeline (``?kind=`` filters it, ``?page=`` pages it).
    Nothing for the home hospital."""
    if institution.is_home:
        return {}
    user = request.user
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in selectors.timeline_kinds() else None
    partner = selectors.partner_page(user=user, institution=institution, kinds=kinds)
    partner["timeline_page"] = page_of(request, partner["timeline"], TIMELINE_PAGE_SIZE)
    return {
        "partner": partner,
        "timeline_kind": kind if kinds else "",
        # The kinds other apps add to the timeline (aid, …), for its filter.
        "timeline_sources": extensions.timeline_sources(),
        "timeline_query": query_without(request, "page"),
        "can_write_letters": permissions.can_write_letters(user),
        "can_manage_agreements": permissions.can_manage_agreements(user),
        "sees_correspondence": permissions.can_browse_correspondence(user),
    }
