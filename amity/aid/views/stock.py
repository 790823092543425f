"""Aid pages for the catalogue, stock, its ledger, pledges and the lots they arrive in."""

from django.http import Http404


def home(request):
    raise Http404


def item_list(request):
    raise Http404


def item_create(request):
    raise Http404


def item_detail(request, pk):
    raise Http404


def item_edit(request, pk):
    raise Http404


def stock(request):
    raise Http404


def movement_list(request):
    raise Http404


def purchase_create(request):
    raise Http404


def lot_correct(request, pk):
    raise Http404


def pledge_list(request):
    raise Http404


def pledge_create(request):
    raise Http404


def pledge_detail(request, pk):
    raise Http404


def pledge_edit(request, pk):
    raise Http404


def pledge_receive(request, pk):
    raise Http404
