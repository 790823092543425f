from django.urls import path

from amity.relations import views

app_name = "relations"

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/file/", views.agreement_file, name="agreement_file"),
    path("letters/", views.campaign_list, name="campaign_list"),
    path("letters/new/", views.campaign_create, name="campaign_create"),
    path("letters/campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("letters/campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("letters/campaigns/<int:pk>/preview/", views.campaign_preview, name="campaign_preview"),
    path("letters/campaigns/<int:pk>/send/", views.campaign_send, name="campaign_send"),
    path("letters/campaigns/<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("letters/campaigns/<int:pk>/letters.pdf", views.campaign_pdf, name="campaign_pdf"),
    path("letters/<int:pk>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("letters/<int:pk>/reply/", views.reply_create, name="reply_create"),
    path("letters/replies/<int:pk>/file/", views.reply_file, name="reply_file"),
    path("letters/received/<int:pk>/file/", views.incoming_file, name="incoming_file"),
    path(
        "partners/<int:pk>/letters/received/new/",
        views.incoming_create,
        name="incoming_create",
    ),
    path("letters/templates/", views.template_list, name="template_list"),
    path("letters/templates/new/", views.template_create, name="template_create"),
    path("letters/templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("letters/lists/", views.list_list, name="list_list"),
    path("letters/lists/new/", views.list_create, name="list_create"),
    path("letters/lists/<int:pk>/edit/", views.list_edit, name="list_edit"),
]
