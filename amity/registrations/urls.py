from django.urls import path

from amity.registrations import group_views, rooms_views, views

app_name = "registrations"

urlpatterns = [
    path("activities/<int:pk>/register/", views.register, name="register"),
    path("activities/<int:pk>/registrants/", views.registrants, name="registrants"),
    path("activities/<int:pk>/registrants.<str:fmt>", views.export, name="export"),
    path(
        "activities/<int:pk>/registration-settings/",
        views.registration_settings,
        name="settings",
    ),
    path("activities/<int:pk>/registrants/message/", views.announce, name="announce"),
    path("activities/<int:pk>/attendance/", views.attendance, name="attendance"),
    path(
        "activities/<int:pk>/attendance.<str:fmt>",
        views.attendance_export,
        name="attendance_export",
    ),
    path(
        "activities/<int:pk>/attendance/reports/<int:report>/",
        views.attendance_report,
        name="attendance_report",
    ),
    path(
        "activities/<int:pk>/attendance/<int:registration>/check-in/",
        views.check_in,
        name="check_in",
    ),
    path(
        "activities/<int:pk>/attendance/certificates/",
        views.issue_certificates,
        name="issue_certificates",
    ),
    path("activities/<int:pk>/team/", group_views.team_register, name="team"),
    path(
        "activities/<int:pk>/team/<int:submission>/",
        group_views.team_submission,
        name="team_submission",
    ),
    path("activities/<int:pk>/group-links/", group_views.group_links, name="group_links"),
    path("team/<str:token>/", group_views.team_register_by_link, name="team_by_link"),
    path("registration/<str:token>/", views.self_service, name="self"),
    path(
        "registration/<str:token>/calendar.ics",
        views.self_service_calendar,
        name="self_calendar",
    ),
    path("registration/<str:token>/cancel/", views.self_service_cancel, name="self_cancel"),
    path("registration/<str:token>/my-data.json", views.self_service_export, name="self_export"),
    path("registration/<str:token>/erase/", views.self_service_erase, name="self_erase"),
    path(
        "registration/<str:token>/certificate.pdf",
        views.self_service_certificate,
        name="self_certificate",
    ),
    path("activities/<int:pk>/ways-in/", rooms_views.ways_in, name="ways_in"),
    path("offers/<uuid:token>/", rooms_views.offer, name="offer"),
    path("certificates/<str:code>/", views.verify, name="verify"),
    path("privacy-notices/", views.privacy_notices, name="privacy_notices"),
]
