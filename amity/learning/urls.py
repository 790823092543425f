from django.urls import path

from amity.learning import views

app_name = "learning"
urlpatterns = [
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/completed/", views.completion_record, name="completion_record"),
    path("courses/<int:pk>/completed/undo/", views.completion_undo, name="completion_undo"),
]
