"""Menu and order-settings changes (the admin and, later, the owner dashboard call these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, OrderSettings
from panbot.errors import NotFound
from panbot.inputs import as_id
from restaurants.models import Business
from restaurants.services import knowledge_version_bump


@transaction.atomic
def menu_category_save(*, category: MenuCategory) -> MenuCategory:
    """Create or update a menu category. Raises ValidationError."""
    category.full_clean()
    category.save()
    knowledge_version_bump(business_id=category.business_id)
    return category


@transaction.atomic
def menu_item_save(*, item: MenuItem) -> MenuItem:
    """Create or update a menu item (its category must be of the same business). Raises ValidationError."""
    item.full_clean()
    item.save()
    knowledge_version_bump(business_id=item.business_id)
    return item


@transaction.atomic
def modifier_group_save(*, group: ModifierGroup) -> ModifierGroup:
    """Create or update an item's modifier group. Raises ValidationError."""
    group.full_clean()
    group.save()
    knowledge_version_bump(business_id=group.item.business_id)
    return group


@transaction.atomic
def modifier_save(*, modifier: Modifier) -> Modifier:
    """Create or update an option of a modifier group. Raises ValidationError."""
    modifier.full_clean()
    modifier.save()
    knowledge_version_bump(business_id=modifier.group.item.business_id)
    return modifier


@transaction.atomic
def menu_item_set_available(*, business: Business, item_id: int, is_available: bool) -> MenuItem:
    """Mark an item of `business` sold out or back on. Raises NotFound for another business's item."""
    pk = as_id(item_id)
    item = MenuItem.objects.select_for_update().filter(business=business, pk=pk).first() if pk is not None else None
    if item is None:
        raise NotFound({"item_id": ["That item is not on our menu."]})
    if item.is_available != is_available:
        item.is_available = is_available
        item.save(update_fields=["is_available", "updated_at"])
        knowledge_version_bump(business_id=business.pk)
    return item


@transaction.atomic
def order_settings_save(*, settings: OrderSettings) -> OrderSettings:
    """Create or update a business's order settings. Raises ValidationError."""
    settings.full_clean()
    settings.save()
    knowledge_version_bump(business_id=settings.business_id)
    return settings


ORDER_SETTINGS_EDITABLE = ("accepting_orders", "lead_time_minutes", "max_quantity_per_line", "max_days_ahead")


@transaction.atomic
def order_settings_update(*, business: Business, changes: Mapping[str, Any]) -> OrderSettings:
    """Change how `business` takes phone orders (only the fields given). Raises ValidationError.

    A business without settings takes no orders: its first change creates them, still not
    accepting orders unless the change says so. The row is locked while it changes.
    """
    refused = sorted(set(changes) - set(ORDER_SETTINGS_EDITABLE))
    if refused:
        raise ValidationError({name: ["This field cannot be changed here."] for name in refused})
    OrderSettings.objects.get_or_create(business=business, defaults={"accepting_orders": False})
    settings = OrderSettings.objects.select_for_update().get(business=business)
    for name, value in changes.items():
        setattr(settings, name, value)
    return order_settings_save(settings=settings)
