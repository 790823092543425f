"""Pages for rooms and overflow, and for offered places: the organiser's page of ways in
(room, livestreams, counts, pending offers), and the page an offer's email links to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from amity.registrations import offers, permissions, rooms, services
from amity.registrations.forms import WayInForm
from amity.registrations.mail import local_moment
from amity.registrations.models import OfferStatus, WayIn


def _way_in_of(activity, raw: str | None) -> WayIn | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    way_in = WayIn.objects.filter(activity=activity, pk=int(raw)).first()
    if way_in is None:
        raise Http404
    return way_in


@login_required
@require_http_methods(["GET", "POST"])
def ways_in(request, pk: int):
    """The activity's room and livestreams with how many people each, adding, changing
    and removing them, and the offers waiting for an answer."""
    activity = permissions.get_activity_to_manage(request.user, pk)
    if services.settings_for(activity) is None:
        raise Http404(_("This activity does not take registrations."))
    offers.offers_expire_lazily(activity)
    editing = _way_in_of(activity, request.POST.get("way_in") or request.GET.get("edit"))
    form = WayInForm(
        request.POST if request.POST.get("save") else None,
        instance=editing or WayIn(activity=activity),
    )
    if request.method == "POST" and request.POST.get("remove"):
        way_in = _way_in_of(activity, request.POST["remove"])
        moved = rooms.way_in_delete(activity=activity, pk=way_in.pk)
        messages.success(
            request,
            _("Removed. %(moved)s people were given another way in and emailed.")
            % {"moved": moved},
        )
        return redirect("registrations:ways_in", pk=activity.pk)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            _way_in, moved = rooms.way_in_save(
                way_in=editing or WayIn(activity=activity), fields=fields
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved. %(moved)s people changed way in and were emailed their new link.")
                % {"moved": moved},
            )
            return redirect("registrations:ways_in", pk=activity.pk)
    pending = offers.offers_pending(activity)
    return render(
        request,
        "registrations/ways_in.html",
        {
            "activity": activity,
            "counts": rooms.ways_in_counts(activity),
            "form": form,
            "editing": editing,
            "pending": [
                (offer, local_moment(offer.expires_at, activity.time_zone)) for offer in pending
            ],
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def offer(request, token):
    """The page an offer's email links to: accept or decline with a button (a link in an
    email must not act by itself: mail scanners open them)."""
    found = offers.offer_for_token(str(token))
    if found is None or found.registration.erased_at:
        raise Http404
    error = ""
    closed_answer = False
    if request.method == "POST":
        action = request.POST.get("answer")
        try:
            if action == "accept":
                answer = offers.offer_accept(offer=found)
                messages.success(request, _("The place is yours. A confirmation is on its way."))
                return redirect(answer.registration.get_absolute_url())
            if action == "decline":
                offers.offer_decline(offer=found)
                messages.success(
                    request, _("Thank you for telling us. The place goes to the next person.")
                )
                return redirect("registrations:offer", token=found.token)
            error = _("Choose to accept or to decline the place.")
        except offers.OfferClosed as closed:
            error, closed_answer = str(closed), True
        found.refresh_from_db()
    registration = found.registration
    return render(
        request,
        "registrations/offer.html",
        {
            "offer": found,
            "activity": found.activity,
            "registration": registration,
            "answer_by": local_moment(found.expires_at, registration.time_zone),
            "open": found.status == OfferStatus.PENDING,
            "error": error,
        },
        status=422 if error and not closed_answer else 200,
    )
