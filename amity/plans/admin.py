from django.contrib import admin

from amity.plans.models import ExchangePlan


@admin.register(ExchangePlan)
class ExchangePlanAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "partner", "kind", "status", "target_start"]
    list_filter = ["status", "kind", "department"]
    list_select_related = ["department", "partner"]
    search_fields = ["title", "notes"]
    readonly_fields = ["activity"]
