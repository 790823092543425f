"""The raw-data admin for office staff: shared documents, topics and the download log,
to look at only. Every write goes through the pages (the services keep versions, sharing
and the search index consistent)."""

from django.contrib import admin

from amity.sharing.models import Document, DocumentVersion, DownloadLog, Tag


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "name_local", "slug"]
    search_fields = ["name", "name_local"]


class VersionInline(ReadOnly, admin.TabularInline):
    model = DocumentVersion
    fields = ["number", "original_name", "link", "content_type", "size", "note", "uploaded_at"]
    extra = 0


@admin.register(Document)
class DocumentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "kind", "scope", "department", "updated_at"]
    list_filter = ["kind", "scope"]
    search_fields = ["title", "title_local"]
    inlines = [VersionInline]


@admin.register(DownloadLog)
class DownloadLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "user", "institution", "document", "version", "via", "ip"]
    list_filter = ["via"]
