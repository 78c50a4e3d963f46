"""Live calls and call history across every tenant (read-only: the platform writes them)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils import timezone

from admin_portal.site import ReadOnlyPermissions
from panbot.phone import format_international
from telephony.models import ActiveCall, CallRecord


@admin.register(ActiveCall)
class LiveCallAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    change_list_template = "admin_portal/live_calls.html"
    list_display = [
        "business", "number", "caller_number", "started_at", "last_heartbeat_at", "heartbeat_age", "worker_id",
    ]  # fmt: skip
    list_filter = ["business"]
    list_select_related = ["business", "sip_number"]
    search_fields = ["caller_number", "sip_number__number", "business__name", "room_name", "sip_call_id"]
    ordering = ["started_at"]

    @admin.display(description="number", ordering="sip_number__number")
    def number(self, obj: ActiveCall) -> str:
        return format_international(obj.sip_number.number)

    @admin.display(description="since heartbeat")
    def heartbeat_age(self, obj: ActiveCall) -> str:
        age = (timezone.now() - obj.last_heartbeat_at).total_seconds()
        stale = " (stale: slot will be reclaimed)" if age > settings.CALL_LEASE_SECONDS else ""
        return f"{age:.0f} s{stale}"


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["started_at", "business", "dialed_number", "caller_number", "status", "reason", "duration"]
    list_filter = ["status", "reason", "business"]
    list_select_related = ["business"]
    search_fields = ["caller_number", "dialed_number", "sip_call_id", "business__name"]
    date_hierarchy = "started_at"

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, obj: CallRecord) -> str:
        return "" if obj.duration_seconds is None else f"{obj.duration_seconds:.0f} s"
