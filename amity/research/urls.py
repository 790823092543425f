from django.urls import path

from amity.research.views import publications, sites, studies

app_name = "research"

urlpatterns = [
    path("", studies.overview, name="overview"),
    path("new/", studies.study_create, name="study_create"),
    path("<int:pk>/", studies.study_detail, name="study_detail"),
    path("<int:pk>/edit/", studies.study_edit, name="study_edit"),
    path("<int:pk>/status/", studies.study_status, name="study_status"),
    path("<int:pk>/team/add/", studies.member_add, name="member_add"),
    path("<int:pk>/team/<int:member_pk>/remove/", studies.member_remove, name="member_remove"),
    path("<int:pk>/registry/add/", studies.registry_add, name="registry_add"),
    path("registry/<int:pk>/remove/", studies.registry_remove, name="registry_remove"),
    path("<int:pk>/activities/link/", studies.link_activity, name="link_activity"),
    path("<int:pk>/documents/link/", studies.link_document, name="link_document"),
    path(
        "<int:pk>/activities/<int:activity_pk>/unlink/",
        studies.unlink_activity,
        name="unlink_activity",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/unlink/",
        studies.unlink_document,
        name="unlink_document",
    ),
    path("<int:pk>/sites/add/", sites.site_add, name="site_add"),
    path("sites/<int:pk>/edit/", sites.site_edit, name="site_edit"),
    path("sites/<int:pk>/agreements/link/", sites.site_agreement, name="site_agreement"),
    path(
        "sites/<int:pk>/agreements/<int:agreement_pk>/unlink/",
        sites.site_unlink_agreement,
        name="site_unlink_agreement",
    ),
    path("sites/<int:pk>/approvals/new/", sites.approval_add, name="approval_add"),
    path("sites/<int:pk>/enrolment/", sites.enrolment, name="enrolment"),
    path("<int:pk>/publications/add/", publications.publication_add, name="publication_add"),
    path("publications/<int:pk>/edit/", publications.publication_edit, name="publication_edit"),
    path(
        "publications/<int:pk>/remove/",
        publications.publication_remove,
        name="publication_remove",
    ),
    path(
        "<int:pk>/publications.<slug:fmt>",
        publications.publications_export,
        name="publications_export",
    ),
    path("export/<slug:table>.<slug:fmt>", publications.export, name="export"),
    path("<int:pk>/export/<slug:table>.<slug:fmt>", publications.export, name="study_export"),
]
