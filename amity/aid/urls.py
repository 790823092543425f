from django.urls import path

from amity.aid.views import papers, shipping, stock

app_name = "aid"

urlpatterns = [
    path("", stock.home, name="home"),
    path("items/", stock.item_list, name="item_list"),
    path("items/new/", stock.item_create, name="item_create"),
    path("items/<int:pk>/", stock.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", stock.item_edit, name="item_edit"),
    path("stock/", stock.stock, name="stock"),
    path("stock/movements/", stock.movement_list, name="movement_list"),
    path("stock/purchase/", stock.purchase_create, name="purchase_create"),
    path("lots/<int:pk>/correct/", stock.lot_correct, name="lot_correct"),
    path("pledges/", stock.pledge_list, name="pledge_list"),
    path("pledges/new/", stock.pledge_create, name="pledge_create"),
    path("pledges/<int:pk>/", stock.pledge_detail, name="pledge_detail"),
    path("pledges/<int:pk>/edit/", stock.pledge_edit, name="pledge_edit"),
    path("pledges/<int:pk>/receive/", stock.pledge_receive, name="pledge_receive"),
    path("requests/", shipping.request_list, name="request_list"),
    path("requests/new/", shipping.request_create, name="request_create"),
    path("requests/<int:pk>/", shipping.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", shipping.request_edit, name="request_edit"),
    path("requests/<int:pk>/approve/", shipping.request_approve, name="request_approve"),
    path("requests/<int:pk>/withdraw/", shipping.request_withdraw, name="request_withdraw"),
    path("allocations/<int:pk>/release/", shipping.allocation_release, name="allocation_release"),
    path("shipments/", shipping.shipment_list, name="shipment_list"),
    path("shipments/new/", shipping.shipment_create, name="shipment_create"),
    path("shipments/<int:pk>/", shipping.shipment_detail, name="shipment_detail"),
    path("shipments/<int:pk>/edit/", shipping.shipment_edit, name="shipment_edit"),
    path("shipments/<int:pk>/parcels/new/", shipping.parcel_add, name="parcel_add"),
    path("shipments/<int:pk>/status/", shipping.shipment_advance, name="shipment_advance"),
    path("shipments/<int:pk>/receipt/", shipping.shipment_receipt, name="shipment_receipt"),
    path("shipments/<int:pk>/packing-list.pdf", papers.packing_list, name="packing_list"),
    path(
        "shipments/<int:pk>/pro-forma-invoice.pdf", papers.proforma_invoice, name="proforma_invoice"
    ),
    path("pledges/<int:pk>/thank/", papers.pledge_thank, name="pledge_thank"),
    path("export/<slug:table>.<slug:fmt>", papers.export, name="export"),
]
