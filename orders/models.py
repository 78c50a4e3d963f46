"""The menu a restaurant sells and the orders callers place from it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from panbot.idempotency import KEY_MAX
from panbot.inputs import UNSTORABLE_CODE, storable, unstorable_message
from panbot.models import StatusChange, StorableText
from panbot.phone import E164_REGEX, PhoneNumberField
from panbot.tenancy import tenant_manager

ALIAS_MAX = 60
ALIASES_MAX = 20
LINE_NOTES_MAX = 200
ORDER_NOTES_MAX = 500


class Allergen(models.TextChoices):
    """The 14 allergens EU law (Regulation 1169/2011) requires restaurants to declare."""

    GLUTEN = "gluten", "Gluten"
    CRUSTACEANS = "crustaceans", "Crustaceans"
    EGGS = "eggs", "Eggs"
    FISH = "fish", "Fish"
    PEANUTS = "peanuts", "Peanuts"
    SOY = "soy", "Soy"
    MILK = "milk", "Milk"
    NUTS = "nuts", "Tree nuts"
    CELERY = "celery", "Celery"
    MUSTARD = "mustard", "Mustard"
    SESAME = "sesame", "Sesame"
    SULPHITES = "sulphites", "Sulphites"
    LUPIN = "lupin", "Lupin"
    MOLLUSCS = "molluscs", "Molluscs"


def validate_aliases(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ValidationError(
            'Give a list of names callers use for this item, e.g. ["marghe"].', code="invalid_aliases"
        )
    if len(value) > ALIASES_MAX:
        raise ValidationError(f"Give at most {ALIASES_MAX} aliases.", code="invalid_aliases")
    too_long = [a for a in value if len(a) > ALIAS_MAX]
    if too_long:
        raise ValidationError(
            f"Aliases are at most {ALIAS_MAX} characters: {', '.join(too_long)}.", code="invalid_aliases"
        )
    if not all(storable(a) for a in value):
        raise ValidationError(unstorable_message("An alias"), code=UNSTORABLE_CODE)


def validate_allergens(value: object) -> None:
    codes = set(Allergen.values)
    if not isinstance(value, list) or any(code not in codes for code in value):
        # Not code "invalid": the admin's JSON field would swap the message for "Enter a valid JSON."
        raise ValidationError(f"Give a list of allergens among {', '.join(Allergen.values)}.", code="invalid_allergens")


class MenuCategory(StorableText):
    """A section of a business's menu (pizzas, pasta, drinks)."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="menu_categories")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the menu (lowest first).")

    objects: models.Manager[MenuCategory] = tenant_manager()

    class Meta:
        verbose_name_plural = "menu categories"
        ordering = ["business", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="menucategory_unique_name"),
            models.CheckConstraint(condition=~models.Q(name=""), name="menucategory_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class MenuItem(StorableText):
    """Something a caller can order, at a price in the business's currency; unavailable means sold out today."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="menu_items")
    category = models.ForeignKey(MenuCategory, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    is_available = models.BooleanField(default=True, help_text='Untick when sold out ("86\'d").')
    aliases = models.JSONField(
        default=list, blank=True, validators=[validate_aliases], help_text='Other names callers use, e.g. "marghe".'
    )
    allergens = models.JSONField(default=list, blank=True, validators=[validate_allergens])
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within its category (lowest first).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[MenuItem] = tenant_manager()

    class Meta:
        ordering = ["business", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="menuitem_unique_name"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="menuitem_price_non_negative"),
            models.CheckConstraint(condition=~models.Q(name=""), name="menuitem_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.category_id and self.business_id and self.category.business_id != self.business_id:
            raise ValidationError({"category": "Choose a category of the same business."})


class ModifierGroup(StorableText):
    """A choice offered with one item (size, extra toppings, half-and-half), with how many options to pick."""

    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="modifier_groups")
    name = models.CharField(max_length=60)
    min_selected = models.PositiveSmallIntegerField(default=0, help_text="0 makes the group optional.")
    max_selected = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(20)])
    position = models.PositiveSmallIntegerField(default=0)

    objects: models.Manager[ModifierGroup] = tenant_manager("item__business")

    class Meta:
        ordering = ["item", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="modifiergroup_unique_name"),
            models.CheckConstraint(condition=models.Q(max_selected__gte=1), name="modifiergroup_max_positive"),
            models.CheckConstraint(
                condition=models.Q(min_selected__lte=models.F("max_selected")), name="modifiergroup_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.name}"

    def clean(self) -> None:
        if self.min_selected is not None and self.max_selected is not None and self.min_selected > self.max_selected:
            raise ValidationError({"min_selected": "The minimum cannot be above the maximum."})


class Modifier(StorableText):
    """One option of a modifier group, adding `price_delta` to the item's price."""

    group = models.ForeignKey(ModifierGroup, on_delete=models.CASCADE, related_name="modifiers")
    name = models.CharField(max_length=80)
    price_delta = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    is_available = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects: models.Manager[Modifier] = tenant_manager("group__item__business")

    class Meta:
        ordering = ["group", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="modifier_unique_name"),
            # Options only add to a price, so no combination can take a line below zero.
            models.CheckConstraint(condition=models.Q(price_delta__gte=0), name="modifier_price_delta_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class OrderSettings(models.Model):
    """Whether and how a business takes orders by phone; without this row it takes none."""

    business = models.OneToOneField("restaurants.Business", on_delete=models.CASCADE, related_name="order_settings")
    accepting_orders = models.BooleanField(default=True, help_text="Untick to stop phone orders (busy night).")
    lead_time_minutes = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(240)],
        help_text="Minutes the kitchen needs: the earliest pickup is this long after now and after opening.",
    )
    max_quantity_per_line = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(14)], help_text="0: pickup today only; 1: today or tomorrow; ..."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[OrderSettings] = tenant_manager()

    class Meta:
        verbose_name_plural = "order settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(lead_time_minutes__lte=240), name="ordersettings_lead_range"),
            models.CheckConstraint(
                condition=models.Q(max_quantity_per_line__gte=1, max_quantity_per_line__lte=99),
                name="ordersettings_quantity_range",
            ),
            models.CheckConstraint(condition=models.Q(max_days_ahead__lte=14), name="ordersettings_days_ahead_range"),
        ]

    def __str__(self) -> str:
        return f"Order settings of {self.business}"


class TicketCounter(models.Model):
    """The last kitchen ticket number a business gave out on a local date (incremented atomically)."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    objects: models.Manager[TicketCounter] = tenant_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "date"], name="ticketcounter_unique_day")]

    def __str__(self) -> str:
        return f"{self.business_id} {self.date}: {self.last_number}"


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class OrderFulfilment(models.TextChoices):
    # Delivery needs addresses, zones and fees: not offered yet.
    PICKUP = "pickup", "Pickup"


class OrderChannel(models.TextChoices):
    PHONE = "phone", "Phone agent"
    STAFF = "staff", "Entered by staff"
    ONLINE = "online", "Online"


class Order(models.Model):
    """A food order for pickup, priced by the server, numbered per business and day for the kitchen."""

    Status = OrderStatus
    Fulfilment = OrderFulfilment
    Channel = OrderChannel

    business = models.ForeignKey("restaurants.Business", on_delete=models.PROTECT, related_name="orders")
    call = models.ForeignKey(
        "telephony.CallRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    channel = models.CharField(max_length=16, choices=OrderChannel.choices, default=OrderChannel.PHONE)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.NEW)
    fulfilment = models.CharField(max_length=16, choices=OrderFulfilment.choices, default=OrderFulfilment.PICKUP)
    customer_name = models.CharField(max_length=100)
    customer_phone = PhoneNumberField()
    pickup_at = models.DateTimeField()
    notes = models.CharField(max_length=ORDER_NOTES_MAX, blank=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    ticket_date = models.DateField(help_text="The business's local date the ticket number belongs to.")
    ticket_number = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=KEY_MAX, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Order] = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["business", "customer_phone", "-created_at"], name="order_business_phone"),
            models.Index(fields=["business", "status", "pickup_at"], name="order_business_status"),
            models.Index(fields=["business", "-created_at"], name="order_business_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "ticket_date", "ticket_number"], name="order_unique_daily_ticket"
            ),
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="order_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=~models.Q(idempotency_key=""), name="order_idempotency_key_not_empty"),
            models.CheckConstraint(condition=models.Q(ticket_number__gte=1), name="order_ticket_positive"),
            models.CheckConstraint(condition=models.Q(subtotal__gte=0, total__gte=0), name="order_totals_non_negative"),
            models.CheckConstraint(condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=models.Q(fulfilment__in=OrderFulfilment.values), name="order_fulfilment_valid"
            ),
            models.CheckConstraint(condition=models.Q(customer_phone__regex=E164_REGEX), name="order_phone_e164"),
            models.CheckConstraint(condition=~models.Q(customer_name=""), name="order_customer_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_number} {self.ticket_date} {self.customer_name}"


class OrderItem(models.Model):
    """One line of an order, with the name and prices as they were when it was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    menu_item = models.ForeignKey(MenuItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=100)
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=8, decimal_places=2, help_text="Item price plus its options.")
    line_total = models.DecimalField(max_digits=10, decimal_places=2)
    notes = models.CharField(max_length=LINE_NOTES_MAX, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects: models.Manager[OrderItem] = tenant_manager("order__business")

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orderitem_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="orderitem_unit_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(line_total=models.F("unit_price") * models.F("quantity")),
                name="orderitem_line_total_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.name}"


class OrderItemModifier(models.Model):
    """An option chosen on an order line, with its name and price delta as they were."""

    line = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="modifiers")
    modifier = models.ForeignKey(Modifier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_name = models.CharField(max_length=60)
    name = models.CharField(max_length=80)
    price_delta = models.DecimalField(max_digits=8, decimal_places=2)

    objects: models.Manager[OrderItemModifier] = tenant_manager("line__order__business")

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_delta__gte=0), name="orderitemmodifier_price_delta_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_name}: {self.name}"


class OrderStatusChange(StatusChange):
    """Append-only history of an order's statuses: who moved it, when, and why."""

    FIRST = "placed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    to_status = models.CharField(max_length=16, choices=OrderStatus.choices)

    objects: models.Manager[OrderStatusChange] = tenant_manager("order__business")

    class Meta:
        ordering = ["order", "created_at", "id"]
        constraints = StatusChange.status_constraints("orderstatuschange", OrderStatus.values)
