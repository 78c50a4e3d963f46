"""Restaurants' menus and order settings: set up by the stakeholder at onboarding, saved through the services.

Nothing here is deleted (placed orders keep their own copies anyway): sold-out items are
marked unavailable, and a renamed item keeps its history.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from admin_portal.site import StakeholderPermissions
from orders import services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, OrderSettings


class NoDelete:
    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ModifierGroupInline(NoDelete, StakeholderPermissions, admin.TabularInline):
    model = ModifierGroup
    extra = 0
    fields = ["name", "min_selected", "max_selected", "position"]
    show_change_link = True  # the group's page lists its options


class ModifierInline(NoDelete, StakeholderPermissions, admin.TabularInline):
    model = Modifier
    extra = 0
    fields = ["name", "price_delta", "is_available", "position"]


@admin.register(MenuCategory)
class MenuCategoryAdmin(NoDelete, StakeholderPermissions, admin.ModelAdmin):
    list_display = ["name", "business", "position", "item_count"]
    list_filter = ["business"]
    list_select_related = ["business"]
    search_fields = ["name", "business__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MenuCategory]:
        return super().get_queryset(request).annotate(num_items=Count("items"))

    @admin.display(description="items", ordering="num_items")
    def item_count(self, obj: MenuCategory) -> int:
        return obj.num_items

    def save_model(self, request, obj, form, change):
        services.menu_category_save(category=obj)


@admin.register(MenuItem)
class MenuItemAdmin(NoDelete, StakeholderPermissions, admin.ModelAdmin):
    list_display = ["name", "business", "category", "price", "is_available", "allergen_list"]
    list_editable = ["is_available"]
    list_filter = ["business", "is_available"]
    list_select_related = ["business", "category"]
    search_fields = ["name", "business__name", "category__name"]
    ordering = ["business__name", "category__position", "position", "name"]
    inlines = [ModifierGroupInline]
    actions = ["mark_sold_out", "mark_available"]
    fields = ["business", "category", "name", "description", "price", "is_available", "aliases", "allergens",
              "position"]  # fmt: skip

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "category":
            # Every restaurant has a "Pizze": say whose (the service refuses another business's category).
            field.queryset = field.queryset.select_related("business").order_by("business__name", "position")
            field.label_from_instance = lambda category: f"{category.business.name}: {category.name}"
        return field

    @admin.display(description="allergens")
    def allergen_list(self, obj: MenuItem) -> str:
        return ", ".join(obj.allergens)

    def save_model(self, request, obj, form, change):
        services.menu_item_save(item=obj)

    def save_formset(self, request, form, formset, change):
        # commit=False: the service saves each group; the formset keeps the admin's bookkeeping.
        for group in formset.save(commit=False):
            services.modifier_group_save(group=group)

    def _set_available(self, request: HttpRequest, queryset: QuerySet[MenuItem], available: bool) -> None:
        for item in queryset.select_related("business"):
            services.menu_item_set_available(business=item.business, item_id=item.pk, is_available=available)
        state = "available again" if available else "sold out"
        self.message_user(request, f"{queryset.count()} item(s) marked {state}.", messages.SUCCESS)

    @admin.action(description="Mark sold out (86)")
    def mark_sold_out(self, request, queryset):
        self._set_available(request, queryset, False)

    @admin.action(description="Mark available again")
    def mark_available(self, request, queryset):
        self._set_available(request, queryset, True)


@admin.register(ModifierGroup)
class ModifierGroupAdmin(NoDelete, StakeholderPermissions, admin.ModelAdmin):
    list_display = ["name", "item", "business", "min_selected", "max_selected"]
    list_filter = ["item__business"]
    list_select_related = ["item__business"]
    search_fields = ["name", "item__name", "item__business__name"]
    raw_id_fields = ["item"]
    inlines = [ModifierInline]

    @admin.display(description="business", ordering="item__business__name")
    def business(self, obj: ModifierGroup) -> str:
        return obj.item.business.name

    def save_model(self, request, obj, form, change):
        services.modifier_group_save(group=obj)

    def save_formset(self, request, form, formset, change):
        for modifier in formset.save(commit=False):
            services.modifier_save(modifier=modifier)


@admin.register(OrderSettings)
class OrderSettingsAdmin(NoDelete, StakeholderPermissions, admin.ModelAdmin):
    list_display = ["business", "accepting_orders", "lead_time_minutes", "max_quantity_per_line", "max_days_ahead"]
    list_editable = ["accepting_orders"]
    list_select_related = ["business"]

    def save_model(self, request, obj, form, change):
        services.order_settings_save(settings=obj)
