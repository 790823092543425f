"""Aid downloads: packing lists and pro-forma invoices, exports, and thank-you letters."""

from django.http import Http404


def packing_list(request, pk):
    raise Http404


def proforma_invoice(request, pk):
    raise Http404


def pledge_thank(request, pk):
    raise Http404


def export(request, table, fmt):
    raise Http404
