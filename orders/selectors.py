"""Reading the menu and orders: prompt text, fuzzy item lookup for speech, and a caller's orders."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rapidfuzz import fuzz, process, utils

from orders.models import (
    MenuCategory,
    MenuItem,
    Modifier,
    ModifierGroup,
    Order,
    OrderItem,
    OrderItemModifier,
    OrderSettings,
    OrderStatusChange,
)
from panbot.inputs import as_id
from panbot.phone import to_e164
from panbot.text import fold
from restaurants.models import Business
from restaurants.schedule import in_range, wall_clock

# Below this a candidate is noise, not a mishearing ("lasagne" for "Margherita" scores ~30).
MATCH_MIN_SCORE = 60.0
# A candidate must share a word with what was said at this similarity ("margarita" / "margherita" is 84).
WORD_MIN_SCORE = 75.0
WORD_MIN_LENGTH = 3
# "Where is my order?" looks this far back.
CALLER_ORDERS_DAYS = 7


@dataclass(frozen=True)
class MenuMatch:
    """A menu item a spoken name may mean, with how sure the match is (0-100) and which name matched.

    Sold-out items are included (`available` is False) so the agent can say "Margherita is sold out
    today" instead of "we don't have that".
    """

    item: MenuItem
    score: float
    matched: str

    @property
    def available(self) -> bool:
        return self.item.is_available


def order_settings_get(business: Business) -> OrderSettings | None:
    """The business's order settings, or None: a business without them takes no orders."""
    return OrderSettings.objects.filter(business=business).first()


def menu_items_with_options(business: Business) -> QuerySet[MenuItem]:
    """The business's items with their groups and options prefetched (three queries in all)."""
    return (
        MenuItem.objects.filter(business=business)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "modifier_groups",
                queryset=ModifierGroup.objects.order_by("position", "name").prefetch_related(
                    Prefetch("modifiers", queryset=Modifier.objects.order_by("position", "name"))
                ),
            )
        )
        .order_by("category__position", "category__name", "position", "name")
    )


def _money(amount) -> str:
    return f"{amount:.2f}"


def _group_rule(group: ModifierGroup) -> str:
    if group.min_selected == group.max_selected:
        return f"choose {group.min_selected}"
    if group.min_selected == 0:
        return f"optional, up to {group.max_selected}"
    return f"choose {group.min_selected} to {group.max_selected}"


def menu_as_text(business: Business) -> str:
    """The orderable menu for an LLM prompt: available items and options with prices and ids.

    Sold-out items are left out of the menu and named on one "Sold out today" line, so the
    agent neither offers them nor denies they exist.
    """
    lines = [f"Menu of {business.name}. Prices in {business.currency}. Order with item #ids and option #ids."]
    sold_out: list[str] = []
    category = None
    for item in menu_items_with_options(business):
        groups = list(item.modifier_groups.all())
        orderable = item.is_available and all(
            sum(m.is_available for m in g.modifiers.all()) >= g.min_selected for g in groups
        )
        if not orderable:
            sold_out.append(item.name)
            continue
        if item.category_id != category:
            category = item.category_id
            lines.append(f"{item.category.name}:")
        text = f"- #{item.pk} {item.name} {_money(item.price)}"
        if item.description:
            text += f": {item.description}"
        if item.allergens:
            text += f" (allergens: {', '.join(item.allergens)})"
        lines.append(text)
        for group in groups:
            options = [m for m in group.modifiers.all() if m.is_available]
            if not options:
                continue
            listed = ", ".join(f"#{m.pk} {m.name} +{_money(m.price_delta)}" for m in options)
            lines.append(f"  {group.name} ({_group_rule(group)}): {listed}")
    if sold_out:
        lines.append(f"Sold out today: {', '.join(sold_out)}.")
    return "\n".join(lines)


def _normalise(text: str) -> str:
    return utils.default_process(fold(text))


def menu_item_match(business: Business, spoken_name: str, *, limit: int = 3) -> list[MenuMatch]:
    """Items of `business` whose name or an alias sounds like `spoken_name`, best first, at most `limit`.

    Tolerates speech-to-text slips ("margarita", "diavolo", "quattro formaggio"); a score
    below 60 is not a candidate. Sold-out items are returned with `available` False.
    """
    query = _normalise(str(spoken_name or ""))
    if not query or limit < 1:
        return []
    items = list(MenuItem.objects.filter(business=business).select_related("category"))
    names: list[str] = []
    owners: list[tuple[MenuItem, str]] = []
    for item in items:
        for name in [item.name, *item.aliases]:
            names.append(_normalise(name))
            owners.append((item, name))
    words = [w for w in query.split() if len(w) >= WORD_MIN_LENGTH] or query.split()
    best: dict[int, MenuMatch] = {}
    # WRatio weighs whole-string, partial and token-order similarity: "pizza margherita"
    # finds "Margherita", "formaggi quattro" finds "Quattro formaggi".
    for choice, score, index in process.extract(
        query, names, scorer=fuzz.WRatio, limit=None, score_cutoff=MATCH_MIN_SCORE, processor=None
    ):
        # WRatio's partial matching also pairs unrelated text on a few shared letters
        # ("hamburger" / "marghe"); a real candidate shares at least one word, give or take a slip.
        if not any(fuzz.ratio(w, c) >= WORD_MIN_SCORE for w in words for c in choice.split()):
            continue
        item, matched = owners[index]
        current = best.get(item.pk)
        if current is None or score > current.score:
            best[item.pk] = MenuMatch(item=item, score=round(score, 1), matched=matched)
    ranked = sorted(best.values(), key=lambda m: (-m.score, not m.available, m.item.name))
    return ranked[:limit]


def order_find_for_caller(business: Business, phone: str, *, limit: int = 5) -> list[Order]:
    """The caller's orders at `business` from the last week, most recent first, lines prefetched.

    `phone` may be in any format people or SIP headers use; an unparseable one finds nothing.
    """
    e164 = to_e164(phone)
    if e164 is None or limit < 1:
        return []
    since = timezone.now() - timedelta(days=CALLER_ORDERS_DAYS)
    return list(
        Order.objects.filter(business=business, customer_phone=e164, created_at__gte=since)
        .prefetch_related(Prefetch("lines", queryset=OrderItem.objects.prefetch_related("modifiers")))
        .order_by("-created_at", "-id")[:limit]
    )


def order_get(business: Business, order_id: int) -> Order | None:
    """The order `order_id` of `business`, or None (another business's order, or an id that is not an int)."""
    pk = as_id(order_id)
    return Order.objects.filter(business=business, pk=pk).first() if pk is not None else None


# --- The owners' API -------------------------------------------------------------------------------


def orders_for_business(
    business_id: int, *, statuses: Collection[str] = (), pickup_day: date | None = None, tz: ZoneInfo | None = None
) -> QuerySet[Order]:
    """The business's orders with what a list or a ticket shows (lines, options, the call, the history).

    `statuses`: only these; `pickup_day`: only those picked up on that date of `tz`'s calendar
    (the business's zone). The related rows come in a fixed number of queries, however many orders.
    """
    orders = (
        Order.objects.filter(business_id=business_id)
        .select_related("call")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderItem.objects.order_by("position", "id").prefetch_related(
                    Prefetch("modifiers", queryset=OrderItemModifier.objects.order_by("id"))
                ),
            ),
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.select_related("changed_by").order_by("created_at", "id"),
            ),
        )
    )
    if statuses:
        orders = orders.filter(status__in=list(statuses))
    if pickup_day is not None:
        if tz is None:
            raise TypeError("a pickup day needs the business's time zone")
        if not (in_range(pickup_day) and in_range(pickup_day + timedelta(days=1))):
            return orders.none()
        start = wall_clock(pickup_day, time(0), tz)
        end = wall_clock(pickup_day + timedelta(days=1), time(0), tz)
        orders = orders.filter(pickup_at__gte=start, pickup_at__lt=end)
    return orders


def menu_categories_for_business(business_id: int) -> QuerySet[MenuCategory]:
    return MenuCategory.objects.filter(business_id=business_id)


def _options() -> Prefetch:
    return Prefetch("modifiers", queryset=Modifier.objects.order_by("position", "name"))


def menu_items_for_business(business_id: int) -> QuerySet[MenuItem]:
    """The business's items, each with its groups of options and their options (three queries a page)."""
    return MenuItem.objects.filter(business_id=business_id).prefetch_related(
        Prefetch("modifier_groups", queryset=ModifierGroup.objects.order_by("position", "name").prefetch_related(
            _options()
        ))
    )  # fmt: skip


def modifier_groups_for_business(business_id: int) -> QuerySet[ModifierGroup]:
    return ModifierGroup.objects.filter(item__business_id=business_id).prefetch_related(_options())


def modifiers_for_business(business_id: int) -> QuerySet[Modifier]:
    return Modifier.objects.filter(group__item__business_id=business_id)
