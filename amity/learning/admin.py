from django.contrib import admin

from amity.learning.models import CourseCompletion, ExternalCourse


@admin.register(ExternalCourse)
class ExternalCourseAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "recommended_by", "recommended_by_person"]
    list_filter = ["provider", "recommended_by"]
    search_fields = ["title", "title_local", "provider"]


@admin.register(CourseCompletion)
class CourseCompletionAdmin(admin.ModelAdmin):
    list_display = ["course", "person", "completed_on"]
    list_select_related = ["course", "person"]
    search_fields = ["course__title", "person__family_name", "person__given_name"]
