from django.urls import path

from amity.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("activities/<int:pk>/plan/", views.plan_call, name="plan_call"),
]
