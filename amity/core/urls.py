from django.urls import path

from amity.core import health, history_views, views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("health/", health.health, name="health"),
    path("time-zone/", views.set_time_zone, name="set_time_zone"),
    path("history/", history_views.search, name="history"),
    path("history/<str:kind>/<int:pk>/", history_views.object_history, name="object_history"),
]
