"""Reading the menu and orders: prompt text, fuzzy item lookup for speech, and a caller's orders."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, QuerySet, Sum
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
from panbot.search import words
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


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def group_rule(group: ModifierGroup) -> str:
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
            lines.append(f"  {group.name} ({group_rule(group)}): {listed}")
    if sold_out:
        lines.append(f"Sold out today: {', '.join(sold_out)}.")
    return "\n".join(lines)


def _normalise(text: str) -> str:
    return utils.default_process(fold(text))


def menu_item_match(business: Business, spoken_name: str, *, limit: int = 3) -> list[MenuMatch]:
    """Items of `business` whose name or an alias sounds like `spoken_name`, best first, at most `limit`.

    Tolerates speech-to-text slips ("margarita", "diavolo", "quattro formaggio"); a score
    below 60 is not a candidate. Sold-out items are returned with `available` False.
    PostgreSQL narrows the menu to candidates with its indexes (orders.search); the ranking
    is the same on every database.
    """
    from orders.search import menu_candidates

    query = _normalise(str(spoken_name or "")[:200])
    if not query or limit < 1:
        return []
    candidates = menu_candidates(business, words(query))
    names: list[str] = []
    owners: list[tuple[int, str]] = []
    for candidate in candidates:
        for name in [candidate.row.name, *candidate.row.aliases]:
            names.append(_normalise(name))
            owners.append((candidate.row.id, name))
    query_words = [w for w in query.split() if len(w) >= WORD_MIN_LENGTH] or query.split()
    best: dict[int, tuple[float, str]] = {}
    # WRatio weighs whole-string, partial and token-order similarity: "pizza margherita"
    # finds "Margherita", "formaggi quattro" finds "Quattro formaggi".
    for choice, score, index in process.extract(
        query, names, scorer=fuzz.WRatio, limit=None, score_cutoff=MATCH_MIN_SCORE, processor=None
    ):
        # WRatio's partial matching also pairs unrelated text on a few shared letters
        # ("hamburger" / "marghe"); a real candidate shares at least one word, give or take a slip.
        if not any(fuzz.ratio(w, c) >= WORD_MIN_SCORE for w in query_words for c in choice.split()):
            continue
        item_id, matched = owners[index]
        if item_id not in best or score > best[item_id][0]:
            best[item_id] = (round(score, 1), matched)
    items = MenuItem.objects.filter(business=business, pk__in=list(best)).select_related("category").in_bulk()
    matches = [MenuMatch(item=items[pk], score=score, matched=matched) for pk, (score, matched) in best.items()
               if pk in items]  # fmt: skip
    ranked = sorted(matches, key=lambda m: (-m.score, not m.available, m.item.name))
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


# --- The agent's view of a menu of any size --------------------------------------------------------

# Items read out per page of a category (read_menu): a phone caller cannot hold more.
MENU_PAGE_SIZE = 10
# A menu this small is read whole when the caller asks "what do you have?".
WHOLE_MENU_MAX = 15
BEST_SELLER_DAYS = 30
BEST_SELLERS = 6


@dataclass(frozen=True)
class MenuOutline:
    """A menu in a few lines, whatever its size: categories, a few best sellers, what is sold out today."""

    currency: str
    categories: list[tuple[str, int]]  # name, how many items
    best_sellers: list[str]
    sold_out: list[str]


def menu_outline(business: Business) -> MenuOutline:
    """The outline of `business`'s menu for the agent's prompt (four queries, whatever the menu's size)."""
    categories = list(
        MenuCategory.objects.filter(business=business)
        .annotate(size=Count("items"))
        .filter(size__gt=0)
        .order_by("position", "name")
        .values_list("name", "size")
    )
    since = timezone.now() - timedelta(days=BEST_SELLER_DAYS)
    popular = list(
        OrderItem.objects.filter(order__business=business, order__created_at__gte=since, menu_item__is_available=True)
        .values_list("menu_item__name")
        .annotate(sold=Sum("quantity"))
        .order_by("-sold", "menu_item__name")
        .values_list("menu_item__name", flat=True)[:BEST_SELLERS]
    )
    if len(popular) < BEST_SELLERS:
        # A new restaurant has sold nothing yet: its first item in each category stands in.
        # Two columns of every available item: cheap, and the outline is built once per menu change.
        seen: set[int] = set()
        for category_id, name in (
            MenuItem.objects.filter(business=business, is_available=True)
            .order_by("category__position", "category__name", "position", "name")
            .values_list("category_id", "name")
            .iterator()
        ):
            if category_id in seen:
                continue
            seen.add(category_id)
            if name not in popular:
                popular.append(name)
            if len(popular) >= BEST_SELLERS:
                break
    sold_out = list(
        MenuItem.objects.filter(business=business, is_available=False)
        .order_by("category__position", "position", "name")
        .values_list("name", flat=True)
    )
    return MenuOutline(currency=business.currency, categories=categories, best_sellers=popular, sold_out=sold_out)


@dataclass(frozen=True)
class MenuPage:
    """One page of a category (or of a small menu read whole), as text, and where the caller is in it."""

    text: str
    page: int
    pages: int


def _item_line(item: MenuItem) -> list[str]:
    line = f"- #{item.pk} {item.name} {_money(item.price)}"
    if item.description:
        line += f": {item.description}"
    if item.allergens:
        line += f" (allergens: {', '.join(item.allergens)})"
    lines = [line]
    for group in item.modifier_groups.all():
        options = [m for m in group.modifiers.all() if m.is_available]
        if options:
            listed = ", ".join(f"#{m.pk} {m.name} +{_money(m.price_delta)}" for m in options)
            lines.append(f"  {group.name} ({group_rule(group)}): {listed}")
    return lines


def menu_page(business: Business, *, category: MenuCategory | None = None, page: int = 1) -> MenuPage:
    """A page of MENU_PAGE_SIZE items of `category`, with prices and options; sold-out items are named apart.

    Without a category a small menu (WHOLE_MENU_MAX items) is given whole, as before; a larger
    one is listed by category, to be read a category at a time.
    """
    items = MenuItem.objects.filter(business=business)
    if category is None:
        total = items.count()
        if total > WHOLE_MENU_MAX:
            outline = menu_outline(business)
            listed = "; ".join(f"{name} ({size} items)" for name, size in outline.categories)
            return MenuPage(
                text=f"The menu has {total} items in these categories: {listed}. "
                "Ask which category the caller wants, then read that one (read_menu with the category).",
                page=1,
                pages=1,
            )
        return MenuPage(text=menu_as_text(business), page=1, pages=1)
    in_category = menu_items_with_options(business).filter(category=category)
    available = in_category.filter(is_available=True)
    count = available.count()
    pages = max(1, -(-count // MENU_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * MENU_PAGE_SIZE
    lines = [f"{category.name}, page {page} of {pages} ({count} items; prices in {business.currency}):"]
    for item in available[start : start + MENU_PAGE_SIZE]:
        lines.extend(_item_line(item))
    if page < pages:
        lines.append(f"More on page {page + 1}.")
    sold_out = list(in_category.filter(is_available=False).values_list("name", flat=True)[:20])
    if sold_out and page == 1:
        lines.append(f"Sold out today: {', '.join(sold_out)}.")
    return MenuPage(text="\n".join(lines), page=page, pages=pages)


# --- The owners' API -------------------------------------------------------------------------------


def orders_for_business(
    business_id: int,
    *,
    statuses: Collection[str] = (),
    pickup_day: date | None = None,
    tz: ZoneInfo | None = None,
    history: bool = True,
) -> QuerySet[Order]:
    """The business's orders with what a list or a ticket shows: the call, lines, options, and the
    status history unless `history` is False.

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
            )
        )
    )
    if history:
        orders = orders.prefetch_related(
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.select_related("changed_by").order_by("created_at", "id"),
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


def _options() -> Prefetch[Any]:
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
