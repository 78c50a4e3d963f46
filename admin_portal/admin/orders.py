"""Orders across every tenant, with their lines and status history (read-only: the services write them)."""

from __future__ import annotations

from django.contrib import admin

from admin_portal.site import ReadOnlyPermissions
from orders.models import Order, OrderItem, OrderStatusChange
from panbot.phone import format_international, to_e164


class OrderItemInline(ReadOnlyPermissions, admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = ["quantity", "name", "options", "notes", "unit_price", "line_total"]
    readonly_fields = fields
    verbose_name_plural = "lines"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("modifiers")

    @admin.display(description="options")
    def options(self, obj: OrderItem) -> str:
        return ", ".join(m.name for m in obj.modifiers.all())


class OrderStatusChangeInline(ReadOnlyPermissions, admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields
    verbose_name_plural = "status history"


@admin.register(Order)
class OrderAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    list_display = ["ticket", "business", "status", "customer_name", "phone", "pickup", "total_price", "created_at"]
    list_filter = ["status", "business", "channel"]
    list_select_related = ["business"]
    search_fields = ["customer_name", "customer_phone", "business__name", "=ticket_number"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderStatusChangeInline]
    fields = [
        "business", "ticket_date", "ticket_number", "status", "channel", "fulfilment", "pickup",
        "customer_name", "phone", "notes", "subtotal", "total", "currency", "call", "idempotency_key",
        "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        e164 = to_e164(search_term.strip())
        if e164:  # "333 123 4567" finds +393331234567
            results |= queryset.filter(customer_phone=e164)
        return results, may_have_duplicates

    @admin.display(description="ticket", ordering="ticket_number")
    def ticket(self, obj: Order) -> str:
        return f"#{obj.ticket_number} ({obj.ticket_date:%d %b})"

    @admin.display(description="phone", ordering="customer_phone")
    def phone(self, obj: Order) -> str:
        return format_international(obj.customer_phone)

    @admin.display(description="pickup (local time)", ordering="pickup_at")
    def pickup(self, obj: Order) -> str:
        return f"{obj.pickup_at.astimezone(obj.business.tz):%a %d %b %H:%M}"

    @admin.display(description="total", ordering="total")
    def total_price(self, obj: Order) -> str:
        return f"{obj.total} {obj.currency}"
