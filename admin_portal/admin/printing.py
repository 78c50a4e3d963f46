"""Kitchen printers, their print jobs and the print agents of every tenant."""

from __future__ import annotations

from django.contrib import admin

from admin_portal.site import ReadOnlyPermissions, StakeholderPermissions
from printing import services
from printing.models import PrintAgent, Printer, PrintJob


@admin.register(Printer)
class PrinterAdmin(StakeholderPermissions, admin.ModelAdmin):
    list_display = ["name", "business", "host", "port", "protocol", "connection", "tickets", "auto_print", "is_active",
                    "status", "status_changed_at"]  # fmt: skip
    list_filter = ["status", "connection", "protocol", "is_active", "business"]
    list_select_related = ["business"]
    search_fields = ["name", "host", "business__name"]
    readonly_fields = ["status", "status_detail", "status_changed_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # its jobs keep the history of what printed; deactivate it instead

    def save_model(self, request, obj, form, change):
        services.printer_save(printer=obj)


@admin.register(PrintJob)
class PrintJobAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["pk", "business", "printer", "order", "kind", "status", "attempts", "error", "created_at"]
    list_filter = ["status", "kind", "business"]
    list_select_related = ["business", "printer", "order"]


@admin.register(PrintAgent)
class PrintAgentAdmin(StakeholderPermissions, admin.ModelAdmin):
    """Agents are added with `manage.py print_agent_token` or the owners' API (the token is shown once there)."""

    list_display = ["name", "business", "is_active", "created_at", "last_seen_at"]
    list_filter = ["is_active", "business"]
    fields = ["name", "business", "is_active", "created_at", "last_seen_at"]
    readonly_fields = ["name", "business", "created_at", "last_seen_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.print_agent_set_active(agent=obj, active=obj.is_active)
