"""What each restaurant's agent answers callers: FAQ entries (saved through the service)."""

from __future__ import annotations

from django.contrib import admin

from admin_portal.site import StakeholderPermissions
from restaurants import services
from restaurants.models import FaqEntry


@admin.register(FaqEntry)
class FaqEntryAdmin(StakeholderPermissions, admin.ModelAdmin):
    list_display = ["question", "business", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["business", "is_active"]
    list_select_related = ["business"]
    search_fields = ["question", "answer", "business__name"]
    fields = ["business", "question", "answer", "is_active", "position"]

    def has_delete_permission(self, request, obj=None):
        return False  # untick "is active" instead

    def save_model(self, request, obj, form, change):
        services.faq_entry_save(entry=obj)
