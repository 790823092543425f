from django.contrib import admin

from amity.relations.models import (
    Agreement,
    AgreementReminder,
    Campaign,
    IncomingLetter,
    Letter,
    LetterTemplate,
    RecipientList,
    Reply,
)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "signed_on", "expires_on"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "scope"]
    filter_horizontal = ["partners"]


@admin.register(AgreementReminder)
class AgreementReminderAdmin(admin.ModelAdmin):
    list_display = ["agreement", "expires_on", "days_before", "created_at"]
    raw_id_fields = ["agreement", "email"]


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "subject_en", "subject_zh", "updated_at"]


@admin.register(RecipientList)
class RecipientListAdmin(admin.ModelAdmin):
    list_display = ["name", "updated_at"]
    raw_id_fields = ["people"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "delivery", "sent_at"]
    list_filter = ["status", "delivery"]


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["recipient_name", "institution", "campaign", "language", "created_at"]
    list_filter = ["language"]
    raw_id_fields = ["campaign", "person", "institution", "email"]
    search_fields = ["recipient_name", "email_address"]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["letter", "received_on"]
    raw_id_fields = ["letter"]


@admin.register(IncomingLetter)
class IncomingLetterAdmin(admin.ModelAdmin):
    list_display = ["subject", "institution", "received_on"]
    raw_id_fields = ["institution", "sender"]
