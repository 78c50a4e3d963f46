"""Menu and order-settings changes: the admin saves the rows it edits, the API creates and changes them by id.

Both end in the same `*_save` (the model's validation, then the row), so the admin and the API
refuse the same things with the same sentences. Nothing here deletes: a sold-out item is
unavailable, and placed orders keep their own copies of names and prices anyway.

The by-id services take the business from the caller (the URL), never from the changes: a
category, item or group of another business is "not found", exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, OrderSettings
from orders.payloads import menu_item_payload
from panbot.errors import NotFound
from panbot.events import emit
from panbot.inputs import as_id
from restaurants.models import Business

# What the API may set on each row (the business and the parent are the server's to set).
CATEGORY_FIELDS = frozenset({"name", "description", "position"})
ITEM_FIELDS = frozenset({"name", "description", "price", "is_available", "aliases", "allergens", "position"})
GROUP_FIELDS = frozenset({"name", "min_selected", "max_selected", "position"})
MODIFIER_FIELDS = frozenset({"name", "price_delta", "is_available", "position"})

Row = TypeVar("Row", bound=models.Model)


def _save(row: Row, *, noun: str) -> Row:
    row.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
            row.save()
    except IntegrityError as exc:
        # Two saves of one name at the same instant: full_clean saw neither, the unique index decides.
        if "unique_name" not in str(exc):
            raise
        raise ValidationError({"name": [f"There is already a {noun} called {row.name}."]}) from None
    return row


@transaction.atomic
def menu_category_save(*, category: MenuCategory) -> MenuCategory:
    """Create or update a menu category. Raises ValidationError."""
    return _save(category, noun="category")


@transaction.atomic
def menu_item_save(*, item: MenuItem) -> MenuItem:
    """Create or update a menu item (its category must be of the same business). Raises ValidationError.

    A change to an existing item emits `menu.item_updated` on commit (staff screens show sold-outs).
    """
    existed = not item._state.adding
    _save(item, noun="menu item")
    if existed:
        emit(item.business_id, "menu.item_updated", menu_item_payload(item))
    return item


@transaction.atomic
def modifier_group_save(*, group: ModifierGroup) -> ModifierGroup:
    """Create or update an item's modifier group. Raises ValidationError."""
    return _save(group, noun="group of options for this item")


@transaction.atomic
def modifier_save(*, modifier: Modifier) -> Modifier:
    """Create or update an option of a modifier group. Raises ValidationError."""
    return _save(modifier, noun="option in this group")


@transaction.atomic
def menu_item_set_available(*, business: Business, item_id: int, is_available: bool) -> MenuItem:
    """Mark an item of `business` sold out or back on; emits `menu.item_updated` when it changed.

    Raises NotFound for another business's item.
    """
    pk = as_id(item_id)
    item = MenuItem.objects.select_for_update().filter(business=business, pk=pk).first() if pk is not None else None
    if item is None:
        raise NotFound({"item_id": ["That item is not on our menu."]})
    if not isinstance(is_available, bool):
        raise ValidationError({"is_available": ["Say true (on sale) or false (sold out)."]})
    if item.is_available != is_available:
        item.is_available = is_available
        item.save(update_fields=["is_available", "updated_at"])
        emit(business, "menu.item_updated", menu_item_payload(item))
    return item


@transaction.atomic
def modifier_set_available(*, business: Business, modifier_id: int, is_available: bool) -> Modifier:
    """Mark an option of one of `business`'s items sold out or back on. Raises NotFound for another's."""
    modifier = _locked(Modifier, business, modifier_id, "modifier", path="group__item__business")
    if not isinstance(is_available, bool):
        raise ValidationError({"is_available": ["Say true (on sale) or false (sold out)."]})
    if modifier.is_available != is_available:
        modifier.is_available = is_available
        modifier.save(update_fields=["is_available"])
    return modifier


# --- By id, for the API ---------------------------------------------------------------------------


def _locked(model: type[Row], business: Business, row_id: Any, noun: str, *, path: str = "business") -> Row:
    """The row `row_id` under `business`, locked for the change; NotFound (as for no such row) otherwise."""
    pk = as_id(row_id)
    rows = model._default_manager.select_for_update(of=("self",)).filter(**{path: business}, pk=pk)
    row = rows.first() if pk is not None else None
    if row is None:
        raise NotFound({f"{noun.replace(' ', '_')}_id": [f"We could not find that {noun}."]})
    return row


def _related(model: type[Row], business: Business, row_id: Any, field: str, noun: str, *, path: str) -> Row:
    """A row a body names (`category_id`), of `business`; a ValidationError on `field` otherwise, never saying whose."""
    pk = as_id(row_id)
    row = model._default_manager.filter(**{path: business}, pk=pk).first() if pk is not None else None
    if row is None:
        raise ValidationError({field: [f"There is no {noun} {row_id} on this menu."]})
    return row


def _apply(row: models.Model, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{type(row).__name__} cannot be given {', '.join(sorted(unknown))} here")
    for name, value in changes.items():
        setattr(row, name, value)


@transaction.atomic
def menu_category_create(*, business: Business, **fields: Any) -> MenuCategory:
    """A new category on `business`'s menu (name, description, position). Raises ValidationError."""
    category = MenuCategory(business=business)
    _apply(category, fields, CATEGORY_FIELDS)
    return menu_category_save(category=category)


@transaction.atomic
def menu_category_update(*, business: Business, category_id: int, **changes: Any) -> MenuCategory:
    """Change a category of `business`. Raises NotFound (not its category), ValidationError."""
    category = _locked(MenuCategory, business, category_id, "category")
    _apply(category, changes, CATEGORY_FIELDS)
    return menu_category_save(category=category)


@transaction.atomic
def menu_item_create(*, business: Business, category_id: int, **fields: Any) -> MenuItem:
    """A new item in a category of `business`. Raises ValidationError (also for another business's category)."""
    category = _related(MenuCategory, business, category_id, "category_id", "category", path="business")
    item = MenuItem(business=business, category=category)
    _apply(item, fields, ITEM_FIELDS)
    return menu_item_save(item=item)


@transaction.atomic
def menu_item_update(*, business: Business, item_id: int, category_id: int | None = None, **changes: Any) -> MenuItem:
    """Change an item of `business` (also move it to another of its categories); emits `menu.item_updated`.

    Raises NotFound (not its item), ValidationError (also for another business's category).
    """
    item = _locked(MenuItem, business, item_id, "item")
    if category_id is not None:
        item.category = _related(MenuCategory, business, category_id, "category_id", "category", path="business")
    _apply(item, changes, ITEM_FIELDS)
    return menu_item_save(item=item)


@transaction.atomic
def modifier_group_create(*, business: Business, item_id: int, **fields: Any) -> ModifierGroup:
    """A new group of options on an item of `business`. Raises ValidationError (also for another's item)."""
    item = _related(MenuItem, business, item_id, "item_id", "item", path="business")
    group = ModifierGroup(item=item)
    _apply(group, fields, GROUP_FIELDS)
    return modifier_group_save(group=group)


@transaction.atomic
def modifier_group_update(*, business: Business, group_id: int, **changes: Any) -> ModifierGroup:
    """Change a group of options of `business`. Raises NotFound (not its group), ValidationError."""
    group = _locked(ModifierGroup, business, group_id, "modifier group", path="item__business")
    _apply(group, changes, GROUP_FIELDS)
    return modifier_group_save(group=group)


@transaction.atomic
def modifier_create(*, business: Business, group_id: int, **fields: Any) -> Modifier:
    """A new option in a group of `business`. Raises ValidationError (also for another business's group)."""
    group = _related(ModifierGroup, business, group_id, "group_id", "modifier group", path="item__business")
    modifier = Modifier(group=group)
    _apply(modifier, fields, MODIFIER_FIELDS)
    return modifier_save(modifier=modifier)


@transaction.atomic
def modifier_update(*, business: Business, modifier_id: int, **changes: Any) -> Modifier:
    """Change an option of `business`. Raises NotFound (not its option), ValidationError."""
    modifier = _locked(Modifier, business, modifier_id, "modifier", path="group__item__business")
    _apply(modifier, changes, MODIFIER_FIELDS)
    return modifier_save(modifier=modifier)


@transaction.atomic
def order_settings_save(*, settings: OrderSettings) -> OrderSettings:
    """Create or update a business's order settings. Raises ValidationError."""
    settings.full_clean()
    settings.save()
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
