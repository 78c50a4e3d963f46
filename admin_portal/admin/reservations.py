"""Booking rules (set up by the stakeholder) and bookings across every tenant (read-only)."""

from __future__ import annotations

from django.contrib import admin

from admin_portal.site import ReadOnlyPermissions, StakeholderPermissions
from panbot.phone import format_international, to_e164
from reservations.models import Reservation, ReservationSettings, ReservationStatusChange
from reservations.services import reservation_settings_save


@admin.register(ReservationSettings)
class ReservationSettingsAdmin(StakeholderPermissions, admin.ModelAdmin):
    list_display = ["business", "accepting_reservations", "slot_minutes", "seats_per_slot", "max_party_size",
                    "dining_minutes", "lead_minutes", "horizon_days", "auto_confirm"]  # fmt: skip
    list_select_related = ["business"]

    def has_delete_permission(self, request, obj=None):
        return False  # untick "accepting reservations" instead

    def save_model(self, request, obj, form, change):
        reservation_settings_save(settings=obj)


class ReservationStatusChangeInline(ReadOnlyPermissions, admin.TabularInline):
    model = ReservationStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields
    verbose_name_plural = "status history"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["starts", "business", "name", "party_size", "status", "phone_number", "created_at"]
    list_filter = ["status", "business"]
    list_select_related = ["business"]
    search_fields = ["name", "phone", "business__name"]
    date_hierarchy = "starts_at"
    inlines = [ReservationStatusChangeInline]
    fields = ["business", "name", "phone_number", "party_size", "starts", "ends", "status", "notes", "call",
              "idempotency_key", "created_at", "updated_at"]  # fmt: skip
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        e164 = to_e164(search_term.strip())
        if e164:
            results |= queryset.filter(phone=e164)
        return results, may_have_duplicates

    @admin.display(description="starts (local time)", ordering="starts_at")
    def starts(self, obj: Reservation) -> str:
        return f"{obj.starts_at.astimezone(obj.business.tz):%a %d %b %Y %H:%M}"

    @admin.display(description="ends (local time)", ordering="ends_at")
    def ends(self, obj: Reservation) -> str:
        return f"{obj.ends_at.astimezone(obj.business.tz):%a %d %b %Y %H:%M}"

    @admin.display(description="phone", ordering="phone")
    def phone_number(self, obj: Reservation) -> str:
        return format_international(obj.phone)
