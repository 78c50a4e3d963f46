"""Orders and the menu as the owners' API shows and takes them. Money is a decimal string ("8.50")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Allergen, OrderStatus
from orders.services.lifecycle import PREP_MINUTES_MAX
from panbot.api.serializers import InputSerializer
from panbot.idempotency import KEY_MAX

MONEY_HELP = 'A decimal string in the business\'s currency, e.g. "8.50".'


# --- Fields ------------------------------------------------------------------------------------------


class LocalDateTimeField(serializers.DateTimeField):
    """A time shown in the business's zone (with its offset), as its staff read the clock."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(self.context["view"].business.tz).isoformat()


class WallClockDateTimeField(serializers.DateTimeField):
    """A time in; without an offset it is the business's wall clock (the service reads it so)."""

    def enforce_timezone(self, value: datetime) -> datetime:
        return value


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,6}(\.\d{1,2})?$", "example": "8.50"})
class MoneyField(serializers.DecimalField):
    """A price as a decimal string: a JSON number is refused (binary fractions are not money)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", MONEY_HELP)
        super().__init__(max_digits=8, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise serializers.ValidationError('Give the amount as a decimal string, e.g. "8.50".')
        return super().to_internal_value(data)


# --- Orders ------------------------------------------------------------------------------------------


class OrderLineModifierOutput(serializers.Serializer):
    modifier_id = serializers.IntegerField(allow_null=True, help_text="Null once the option left the menu.")
    group = serializers.CharField(source="group_name")
    name = serializers.CharField()
    price_delta = serializers.DecimalField(max_digits=8, decimal_places=2)


class OrderLineOutput(serializers.Serializer):
    """A line as it was placed: names and prices are copies, unchanged by later menu edits."""

    item_id = serializers.IntegerField(source="menu_item_id", allow_null=True)
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Item price plus its options.")
    line_total = serializers.DecimalField(max_digits=10, decimal_places=2)
    notes = serializers.CharField(allow_blank=True)
    modifiers = OrderLineModifierOutput(many=True)


class OrderCallOutput(serializers.Serializer):
    id = serializers.IntegerField()
    caller_number = serializers.CharField(allow_blank=True)
    started_at = LocalDateTimeField()


class OrderStatusChangeOutput(serializers.Serializer):
    from_status = serializers.CharField(allow_blank=True, help_text="Empty for the first step (placed).")
    to_status = serializers.CharField()
    changed_by = serializers.CharField(
        source="changed_by.username", allow_null=True, default=None,
        help_text="Username of who moved it; null for the phone agent (or a deleted user).",
    )  # fmt: skip
    reason = serializers.CharField(allow_blank=True)
    at = LocalDateTimeField(source="created_at")


class OrderOutput(serializers.Serializer):
    """An order with its lines; times in the business's zone."""

    id = serializers.IntegerField()
    ticket_number = serializers.IntegerField(help_text="The kitchen's number, counted per business and day.")
    ticket_date = serializers.DateField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    channel = serializers.CharField()
    fulfilment = serializers.CharField()
    customer_name = serializers.CharField()
    customer_phone = serializers.CharField()
    pickup_at = LocalDateTimeField()
    notes = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    call = OrderCallOutput(allow_null=True, help_text="The call it was placed on; null for other channels.")
    created_at = LocalDateTimeField()
    lines = OrderLineOutput(many=True)


class OrderDetailOutput(OrderOutput):
    """An order with its lines and its status history, oldest step first."""

    history = OrderStatusChangeOutput(many=True, source="status_changes")


class OrderFilter(serializers.Serializer):
    """Query parameters of the orders list."""

    status = serializers.ListField(
        child=serializers.ChoiceField(choices=OrderStatus.choices),
        required=False,
        help_text="Only orders in these statuses; repeat it for several (`?status=new&status=accepted`).",
    )
    day = serializers.DateField(
        required=False, help_text="Only orders picked up on this date of the business's calendar (YYYY-MM-DD)."
    )


class OrderLineInput(InputSerializer):
    """One line: a menu item of this business and its options, by id. Prices come from the menu."""

    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(required=False, default=1)
    modifier_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class OrderPlaceInput(InputSerializer):
    """A counter or phone order taken by staff (its channel is `staff`), priced and checked as the agent's."""

    items = OrderLineInput(many=True, allow_empty=True)
    customer_name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    customer_phone = serializers.CharField(allow_blank=True, trim_whitespace=False)
    pickup_at = WallClockDateTimeField(
        required=False, allow_null=True,
        help_text="When the customer collects it; without an offset, the business's local time. "
        "Left out or null: the earliest the kitchen can make it.",
    )  # fmt: skip
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    idempotency_key = serializers.CharField(
        required=False, max_length=KEY_MAX,
        help_text="Send the same key when retrying: the order it first made is answered, not a second one.",
    )  # fmt: skip


class OrderTransitionInput(InputSerializer):
    """Move the order on: accept (optionally with a prep time), preparing, ready, completed, or
    cancelled (rejecting a new order: cancelled with a reason)."""

    to_status = serializers.CharField(help_text=f"One of {', '.join(OrderStatus.values)}.")
    reason = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                   help_text="Why (kept in the history), e.g. why it was rejected.")  # fmt: skip
    prep_minutes = serializers.IntegerField(
        required=False, allow_null=True,
        help_text=f"With accepted only: the kitchen needs this long (1 to {PREP_MINUTES_MAX}). A pickup "
        "time earlier than now plus this moves to it (rounded up to 5 minutes); a later one stays.",
    )  # fmt: skip


# --- Menu --------------------------------------------------------------------------------------------


class MenuCategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField(help_text="Order on the menu (lowest first).")


class MenuCategoryInput(InputSerializer):
    """A category: on create `name` is required; on PATCH only the fields sent change."""

    name = serializers.CharField(trim_whitespace=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    position = serializers.IntegerField(required=False)


class ModifierOutput(serializers.Serializer):
    id = serializers.IntegerField()
    group_id = serializers.IntegerField()
    name = serializers.CharField()
    price_delta = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Added to the item's price.")
    is_available = serializers.BooleanField(help_text="False: sold out today.")
    position = serializers.IntegerField()


class ModifierGroupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    name = serializers.CharField()
    min_selected = serializers.IntegerField(help_text="0 makes the group optional.")
    max_selected = serializers.IntegerField()
    position = serializers.IntegerField()
    modifiers = ModifierOutput(many=True)


class MenuItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text=MONEY_HELP)
    is_available = serializers.BooleanField(help_text="False: sold out today.")
    aliases = serializers.ListField(child=serializers.CharField(), help_text="Other names callers use.")
    allergens = serializers.ListField(child=serializers.ChoiceField(choices=Allergen.choices))
    position = serializers.IntegerField(help_text="Order within its category (lowest first).")
    modifier_groups = ModifierGroupOutput(many=True)


class MenuItemInput(InputSerializer):
    """An item: on create `category_id`, `name` and `price` are required; on PATCH only the fields sent change."""

    category_id = serializers.IntegerField(help_text="A category of this business.")
    name = serializers.CharField(trim_whitespace=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    price = MoneyField()
    is_available = serializers.BooleanField(required=False)
    aliases = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False,
        help_text='Other names callers use, e.g. ["marghe"].',
    )  # fmt: skip
    allergens = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=f"Among {', '.join(Allergen.values)}."
    )
    position = serializers.IntegerField(required=False)


class ModifierGroupInput(InputSerializer):
    """A group of options on an item: on create `item_id` and `name` are required; `item_id` cannot change."""

    item_id = serializers.IntegerField(help_text="An item of this business.")
    name = serializers.CharField(trim_whitespace=False, allow_blank=True)
    min_selected = serializers.IntegerField(required=False, help_text="0 makes the group optional.")
    max_selected = serializers.IntegerField(required=False)
    position = serializers.IntegerField(required=False)


class ModifierGroupUpdateInput(ModifierGroupInput):
    """PATCH: only the fields sent change (an item's groups stay with it)."""

    item_id = None


class ModifierInput(InputSerializer):
    """An option: on create `group_id` and `name` are required; `group_id` cannot change."""

    group_id = serializers.IntegerField(help_text="A modifier group of this business.")
    name = serializers.CharField(trim_whitespace=False, allow_blank=True)
    price_delta = MoneyField(required=False)
    is_available = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False)


class ModifierUpdateInput(ModifierInput):
    """PATCH: only the fields sent change (an option stays in its group)."""

    group_id = None


class AvailabilityInput(InputSerializer):
    """Sold out (false) or back on sale (true)."""

    is_available = serializers.BooleanField()
