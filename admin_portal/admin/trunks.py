"""PBX and carrier trunks."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from admin_portal.forms import PbxTrunkForm
from admin_portal.site import StakeholderPermissions
from telephony import services
from telephony.models import PbxTrunk


@admin.register(PbxTrunk)
class PbxTrunkAdmin(StakeholderPermissions, admin.ModelAdmin):
    form = PbxTrunkForm
    list_display = ["name", "addresses", "default_region", "is_active", "number_count", "livekit_trunk_id"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["livekit_trunk_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_numbers=Count("numbers"))

    @admin.display(description="allowed addresses")
    def addresses(self, obj: PbxTrunk) -> str:
        return ", ".join(obj.allowed_addresses)

    @admin.display(description="numbers", ordering="num_numbers")
    def number_count(self, obj: PbxTrunk) -> int:
        return obj.num_numbers

    def has_delete_permission(self, request, obj=None):
        return False  # its numbers and LiveKit trunk hang off it; deactivate it instead (livekit_sync removes it)

    def save_model(self, request, obj, form, change):
        services.trunk_save(trunk=obj)
