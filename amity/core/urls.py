from django.urls import path

from amity.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("time-zone/", views.set_time_zone, name="set_time_zone"),
]
