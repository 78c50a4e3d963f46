"""Order and menu state changes. Entry points call these; nothing else writes orders models."""

from orders.services.lifecycle import ORDER_LIFECYCLE, order_transition
from orders.services.menu import (
    menu_category_create,
    menu_category_save,
    menu_category_update,
    menu_item_create,
    menu_item_save,
    menu_item_set_available,
    menu_item_update,
    modifier_create,
    modifier_group_create,
    modifier_group_save,
    modifier_group_update,
    modifier_save,
    modifier_set_available,
    modifier_update,
    order_settings_save,
)
from orders.services.placing import (
    OrderLineInput,
    OrderReview,
    ReviewLine,
    ReviewModifier,
    order_place,
    order_review,
)

__all__ = [
    "ORDER_LIFECYCLE",
    "OrderLineInput",
    "OrderReview",
    "ReviewLine",
    "ReviewModifier",
    "menu_category_create",
    "menu_category_save",
    "menu_category_update",
    "menu_item_create",
    "menu_item_save",
    "menu_item_set_available",
    "menu_item_update",
    "modifier_create",
    "modifier_group_create",
    "modifier_group_save",
    "modifier_group_update",
    "modifier_save",
    "modifier_set_available",
    "modifier_update",
    "order_place",
    "order_review",
    "order_settings_save",
    "order_transition",
]
