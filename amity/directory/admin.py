from django.contrib import admin

from amity.directory.models import (
    Department,
    Experience,
    Institution,
    Language,
    Membership,
    Person,
)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "city", "partnership_status", "partner_since"]
    list_filter = ["kind", "partnership_status", "country"]
    search_fields = ["name", "name_local", "short_name", "city"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "name_local", "slug"]
    search_fields = ["name", "name_local"]
    prepopulated_fields = {"slug": ["name"]}


class ExperienceInline(admin.TabularInline):
    model = Experience
    extra = 0
    autocomplete_fields = ["institution"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["society"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "institution", "department", "email", "user"]
    list_filter = ["department", "institution__country"]
    list_select_related = ["institution", "department", "user"]
    search_fields = ["family_name", "given_name", "family_name_local", "given_name_local", "email"]
    autocomplete_fields = ["institution", "user"]
    filter_horizontal = ["languages"]
    inlines = [ExperienceInline, MembershipInline]


admin.site.register(Language)
