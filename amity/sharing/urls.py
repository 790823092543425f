from django.urls import path

from amity.sharing import views

app_name = "sharing"

urlpatterns = [
    path("documents/", views.document_list, name="document_list"),
    path("documents/new/", views.document_create, name="document_create"),
    path("documents/downloads/", views.download_log, name="download_log"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:pk>/versions/new/", views.version_add, name="version_add"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path(
        "documents/<int:pk>/versions/<int:number>/download/",
        views.version_download,
        name="version_download",
    ),
]
