from django.urls import path

from amity.events import views

app_name = "events"
urlpatterns = [
    path("activities/", views.agenda, name="agenda"),
    path("activities/month/", views.month, name="month"),
    path("activities/week/", views.week, name="week"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/my-calendar/", views.my_calendar, name="my_calendar"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("activities/<int:pk>/series/new/", views.series_add, name="series_add"),
    path("activities/<int:pk>/people/", views.participants, name="participants"),
    path("activities/<int:pk>/materials/new/", views.material_add, name="material_add"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/move/", views.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("public/", views.public_agenda, name="public_agenda"),
    path("calendar/public.ics", views.public_feed, name="public_feed"),
    path("calendar/activity/<uuid:uid>.ics", views.activity_feed, name="activity_feed"),
    path("calendar/session/<uuid:uid>.ics", views.session_feed, name="session_feed"),
    path("calendar/department/<slug:slug>.ics", views.department_feed, name="department_feed"),
    path("calendar/personal/<str:key>.ics", views.personal_feed, name="personal_feed"),
]
