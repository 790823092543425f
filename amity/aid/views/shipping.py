"""Aid pages for partners' requests, their approval, shipments and receipts."""

from django.http import Http404


def request_list(request):
    raise Http404


def request_create(request):
    raise Http404


def request_detail(request, pk):
    raise Http404


def request_edit(request, pk):
    raise Http404


def request_approve(request, pk):
    raise Http404


def request_withdraw(request, pk):
    raise Http404


def allocation_release(request, pk):
    raise Http404


def shipment_list(request):
    raise Http404


def shipment_create(request):
    raise Http404


def shipment_detail(request, pk):
    raise Http404


def shipment_edit(request, pk):
    raise Http404


def parcel_add(request, pk):
    raise Http404


def shipment_advance(request, pk):
    raise Http404


def shipment_receipt(request, pk):
    raise Http404
