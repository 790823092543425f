"""The Django admin for research: a raw-data tool for office staff (the pages and the API
go through the services)."""

from django.contrib import admin

from amity.research.models import (
    ApprovalReminder,
    Enrolment,
    EthicsApproval,
    Publication,
    RegistryId,
    Site,
    Study,
    StudyMember,
)


class StudyMemberInline(admin.TabularInline):
    model = StudyMember
    raw_id_fields = ["person"]
    extra = 0


class RegistryIdInline(admin.TabularInline):
    model = RegistryId
    extra = 0


class SiteInline(admin.TabularInline):
    model = Site
    raw_id_fields = ["institution", "site_pi", "coordinator"]
    fields = ["institution", "site_pi", "coordinator", "status", "target", "joined_on"]
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "title", "design", "status", "lead_institution", "start_on"]
    list_filter = ["status", "design"]
    search_fields = ["title", "title_local", "acronym", "registry_ids__identifier"]
    raw_id_fields = ["lead_institution", "principal_investigator"]
    filter_horizontal = ["topics", "documents", "activities"]
    inlines = [StudyMemberInline, RegistryIdInline, SiteInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["study", "institution", "status", "target", "joined_on"]
    list_filter = ["status"]
    search_fields = ["study__title", "study__acronym", "institution__name"]
    raw_id_fields = ["study", "institution", "site_pi", "coordinator"]
    filter_horizontal = ["agreements"]


@admin.register(EthicsApproval)
class EthicsApprovalAdmin(admin.ModelAdmin):
    list_display = ["site", "committee", "reference", "approved_on", "expires_on"]
    search_fields = ["reference", "committee", "site__study__acronym"]
    raw_id_fields = ["site", "document"]
    date_hierarchy = "approved_on"


@admin.register(ApprovalReminder)
class ApprovalReminderAdmin(admin.ModelAdmin):
    list_display = ["approval", "expires_on", "days_before", "created_at"]
    raw_id_fields = ["approval", "email"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["site", "month", "count", "entered_at"]
    list_filter = ["month"]
    raw_id_fields = ["site"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "journal", "year", "doi", "study"]
    search_fields = ["title", "authors", "doi"]
    raw_id_fields = ["study"]
