"""Finding menu items from what a caller says: by name, alias, category, ingredient, diet or allergen.

PostgreSQL narrows the menu to a few candidates with its indexes (full text over accent-free
words and trigram similarity, see panbot.search); Python ranks them. The embedded SQLite
default ranks every row, read once per change of the menu (a per-process memo keyed by the
business's knowledge version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orders.models import Allergen, MenuCategory, MenuItem
from panbot import search as text_search
from panbot.search import ProcessMemo, best_ratio, topic_words, words
from restaurants.models import Business
from restaurants.selectors import memo_key

# The document the migration (orders 0003) indexes; the query must spell it the same way.
MENU_DOCUMENT = "panbot_fold(name || ' ' || aliases::text || ' ' || description)"
# Weights of where a caller's word is found: the name counts most, the description least.
_NAME, _CATEGORY, _DESCRIPTION, _ALLERGEN = 1.0, 0.9, 0.75, 0.7
SEARCH_MIN_SCORE = 50.0  # mean over the query's words
CATEGORY_MIN_SCORE = 80.0

# Allergens as callers name them, in English and Italian.
ALLERGEN_WORDS: dict[str, str] = {
    "gluten": Allergen.GLUTEN, "glutine": Allergen.GLUTEN, "celiac": Allergen.GLUTEN, "celiaco": Allergen.GLUTEN,
    "celiaci": Allergen.GLUTEN, "celiachia": Allergen.GLUTEN, "wheat": Allergen.GLUTEN, "grano": Allergen.GLUTEN,
    "milk": Allergen.MILK, "dairy": Allergen.MILK, "lactose": Allergen.MILK, "latte": Allergen.MILK,
    "lattosio": Allergen.MILK, "latticini": Allergen.MILK,
    "egg": Allergen.EGGS, "eggs": Allergen.EGGS, "uovo": Allergen.EGGS, "uova": Allergen.EGGS,
    "nut": Allergen.NUTS, "nuts": Allergen.NUTS, "noci": Allergen.NUTS, "guscio": Allergen.NUTS,
    "peanut": Allergen.PEANUTS, "peanuts": Allergen.PEANUTS, "arachidi": Allergen.PEANUTS,
    "fish": Allergen.FISH, "pesce": Allergen.FISH,
    "shellfish": Allergen.CRUSTACEANS, "crustaceans": Allergen.CRUSTACEANS, "crostacei": Allergen.CRUSTACEANS,
    "molluscs": Allergen.MOLLUSCS, "molluschi": Allergen.MOLLUSCS,
    "soy": Allergen.SOY, "soya": Allergen.SOY, "soia": Allergen.SOY,
    "sesame": Allergen.SESAME, "sesamo": Allergen.SESAME, "celery": Allergen.CELERY, "sedano": Allergen.CELERY,
    "mustard": Allergen.MUSTARD, "senape": Allergen.MUSTARD,
    "sulphites": Allergen.SULPHITES, "sulfites": Allergen.SULPHITES, "solfiti": Allergen.SULPHITES,
    "lupin": Allergen.LUPIN, "lupini": Allergen.LUPIN,
}  # fmt: skip
# "senza glutine", "without gluten", "no dairy"; "gluten free" / "gluten-free" has the word after.
_NEGATION_BEFORE = frozenset({"without", "senza", "no", "non", "zero", "free"})
_NEGATION_AFTER = frozenset({"free"})
# One spelling per word that menus and callers say in either language ("vegano" finds a
# description saying "vegan", "desserts" the category "Dolci"); applied to both sides.
_SYNONYM_GROUPS = {
    "vegan": "vegano vegana vegani vegane",
    "vegetarian": "vegetariano vegetariana vegetariani vegetariane veggie",
    "spicy": "piccante piccanti hot chili chilli peperoncino",
    "kids": "bambini bambino children child",
    "dessert": "desserts dolce dolci sweet sweets",
    "drink": "drinks bevanda bevande beverage beverages",
    "starter": "starters antipasto antipasti appetizer appetizers",
    "wine": "wines vino vini",
    "beer": "beers birra birre",
    "salad": "salads insalata insalate",
    "mushroom": "mushrooms funghi fungo porcini",
    "cheese": "cheeses formaggio formaggi",
    "fish": "pesce seafood",
    "pasta": "primi primo pastas",
}
_SYNONYMS = {word: canonical for canonical, group in _SYNONYM_GROUPS.items() for word in group.split()}
# Words that ask for something without naming it.
_VAGUE_TEXT = """
    something anything thing things dish dishes food options option menu serve offer got
    qualcosa qualche piatto piatti cibo avete fate offrite
"""
_VAGUE = frozenset(_VAGUE_TEXT.split())


@dataclass(frozen=True)
class MenuRow:
    """What ranking needs of one menu item (a few columns, no model instance)."""

    id: int
    name: str
    aliases: tuple[str, ...]
    description: str
    allergens: tuple[str, ...]
    is_available: bool
    category_id: int
    position: int


_COLUMNS = ("id", "name", "aliases", "description", "allergens", "is_available", "category_id", "position")


def _row(values: tuple[Any, ...]) -> MenuRow:
    pk, name, aliases, description, allergens, available, category_id, position = values
    aliases, allergens = tuple(aliases or ()), tuple(allergens or ())
    return MenuRow(pk, name, aliases, description, allergens, available, category_id, position)


@dataclass(frozen=True)
class _Prepared:
    """A row with its words normalised once (per query on PostgreSQL, per menu version in the memo)."""

    row: MenuRow
    names: list[str]
    description: list[str]
    allergens: list[str]


def _prepare(row: MenuRow) -> _Prepared:
    return _Prepared(
        row=row,
        names=[_norm(w) for w in words(" ".join([row.name, *row.aliases]))],
        description=[_norm(w) for w in words(row.description)],
        allergens=[_norm(w) for w in row.allergens],
    )


@dataclass(frozen=True)
class _Menu:
    rows: tuple[MenuRow, ...]
    prepared: tuple[_Prepared, ...]
    categories: tuple[tuple[int, str, int], ...]  # id, name, position


_memo = ProcessMemo()


def _menu(business: Business) -> _Menu:
    """The whole menu's search rows, once per knowledge version (the SQLite fallback, and categories)."""

    def build() -> _Menu:
        rows = MenuItem.objects.filter(business=business).order_by("position", "name").values_list(*_COLUMNS)
        categories = MenuCategory.objects.filter(business=business).values_list("id", "name", "position")
        menu_rows = tuple(_row(r) for r in rows)
        return _Menu(rows=menu_rows, prepared=tuple(_prepare(r) for r in menu_rows), categories=tuple(categories))

    return _memo.get(memo_key("menu", business), build)


def menu_candidates(
    business: Business, query_words: list[str], *, category_ids: tuple[int, ...] = ()
) -> list[_Prepared]:
    """Items that may match `query_words` (accent-free words): a few on PostgreSQL, every item elsewhere."""
    if not query_words and not category_ids:
        return []
    if not text_search.uses_postgres():
        return list(_menu(business).prepared)
    rows = text_search.candidates(
        MenuItem.objects.filter(business=business).values_list(*_COLUMNS),
        MENU_DOCUMENT,
        query_words,
        or_in=("category_id", list(category_ids)) if category_ids else None,
    )
    # A row's words are normalised once per menu version, not on every turn it is a candidate.
    prepared: dict[MenuRow, _Prepared] = _prepared_memo.get(memo_key("prepared", business), dict)
    found = []
    for values in rows:
        row = _row(values)
        if row not in prepared:
            prepared[row] = _prepare(row)
        found.append(prepared[row])
    return found


_prepared_memo: ProcessMemo = ProcessMemo(size=8)


# --- ranking -----------------------------------------------------------------------------------


def _stem(word: str) -> str:
    # Plural and gender endings (pizza/pizze/pizzas, vegano/vegana) should not cost a match.
    return word[:-1] if len(word) > 4 and word[-1] in "saeio" else word


def _norm(word: str) -> str:
    return _stem(_SYNONYMS.get(word, word))


@dataclass
class MenuQuery:
    """What the caller asked for: topic words, and allergens they want to avoid."""

    text: str
    topic: list[str]  # normalised (synonyms, stems): what ranking compares
    avoid: set[str] = field(default_factory=set)
    said: list[str] = field(default_factory=list)  # the topic words as said: what the database is asked

    @property
    def lookup_words(self) -> list[str]:
        return sorted(set(self.said) | set(self.topic))

    @classmethod
    def parse(cls, text: str) -> MenuQuery:
        raw = words(text)
        avoid: set[str] = set()
        dropped: set[int] = set()
        for i, word in enumerate(raw):
            allergen = ALLERGEN_WORDS.get(word)
            if allergen is None:
                continue
            before = raw[i - 1] if i else ""
            after = raw[i + 1] if i + 1 < len(raw) else ""
            if before in _NEGATION_BEFORE or after in _NEGATION_AFTER:
                avoid.add(allergen)
                dropped.update({i, i - 1} if before in _NEGATION_BEFORE else {i, i + 1})
        said = topic_words(" ".join(w for i, w in enumerate(raw) if i not in dropped), _VAGUE)
        return cls(text=text, topic=[_norm(w) for w in said], avoid=avoid, said=said)


def _score(query: MenuQuery, item: _Prepared, category_words: dict[int, list[str]]) -> float:
    if not query.topic:
        return 0.0
    category = category_words.get(item.row.category_id, [])
    total = 0.0
    for word in query.topic:
        total += max(
            _NAME * best_ratio(word, item.names),
            _CATEGORY * best_ratio(word, category),
            _DESCRIPTION * best_ratio(word, item.description),
            _ALLERGEN * best_ratio(word, item.allergens),
        )
    return total / len(query.topic)


@dataclass(frozen=True)
class MenuSearch:
    """The best items for a request, best first, with what the search understood."""

    items: list[MenuItem]
    category: MenuCategory | None  # when the caller named a whole category ("what pizzas do you have")
    category_size: int
    avoid: frozenset[str]  # allergens the caller wants to avoid
    none_without: bool  # every match contains an allergen to avoid (the items are shown anyway)


def _category_match(
    query: MenuQuery, categories: tuple[tuple[int, str, int], ...], category_words: dict[int, list[str]]
) -> int | None:
    """The id of the category the whole request names ("what pizzas do you have": Pizze), or None."""
    if not query.topic:
        return None
    scored = [
        (sum(best_ratio(w, category_words[pk]) for w in query.topic) / len(query.topic), -position, pk)
        for pk, _name, position in categories
    ]
    best = max(scored, default=None)
    return best[2] if best is not None and best[0] >= CATEGORY_MIN_SCORE else None


def menu_category_find(business: Business, name: str) -> MenuCategory | None:
    """The category of `business` a caller means by `name` ("pizzas" or "le pizze" for "Pizze"), or None."""
    categories = _categories(business)
    category_words = {pk: [_norm(w) for w in words(title)] for pk, title, _ in categories}
    found = _category_match(MenuQuery.parse(str(name or "")[:100]), categories, category_words)
    return MenuCategory.objects.filter(business=business, pk=found).first() if found is not None else None


def _categories(business: Business) -> tuple[tuple[int, str, int], ...]:
    """The business's categories (id, name, position), read once per menu version."""

    def build() -> tuple[tuple[int, str, int], ...]:
        return tuple(MenuCategory.objects.filter(business=business).values_list("id", "name", "position"))

    return _memo.get(memo_key("categories", business), build)


def menu_search(business: Business, text: str, *, limit: int = 5) -> MenuSearch:
    """Items of `business` that best answer what the caller asked, at most `limit`, best first.

    Names, aliases, categories, descriptions (ingredients, "vegan") and allergens are all
    searched; "senza glutine" / "without gluten" / "gluten-free" leaves out items that
    declare that allergen. Sold-out items are ranked after available ones but still found.
    """
    query = MenuQuery.parse(str(text or "")[:200])
    limit = max(1, min(limit, 10))
    categories = _categories(business)
    category_words = {pk: [_norm(w) for w in words(name)] for pk, name, _ in categories}
    matched_category = _category_match(query, categories, category_words)
    if query.topic:
        rows = menu_candidates(
            business, query.lookup_words, category_ids=(matched_category,) if matched_category is not None else ()
        )
        scored = [(s, p.row) for p in rows if (s := _score(query, p, category_words)) >= SEARCH_MIN_SCORE]
    elif query.avoid:
        # "Something without gluten": any available item that does not declare it.
        scored = [(0.0, row) for row in _available_rows(business, query.avoid)]
    else:
        scored = []
    positions = {pk: position for pk, _name, position in categories}
    # Ties go to available items, then to the name with fewest words besides those said
    # ("Coca-Cola" before "Coca-Cola light" for "una coca"), then to menu order.
    scored.sort(
        key=lambda p: (
            -p[0],
            not p[1].is_available,
            len(words(p[1].name)),
            positions.get(p[1].category_id, 0),
            p[1].position,
        )
    )
    allowed = [(s, r) for s, r in scored if not query.avoid.intersection(r.allergens)]
    none_without = bool(scored) and not allowed
    chosen = [r.id for _s, r in (allowed or scored)[:limit]]
    items = {item.pk: item for item in _items_with_options(business, chosen)}
    category = None
    size = 0
    if matched_category is not None:
        category = MenuCategory.objects.filter(pk=matched_category).first()
        size = MenuItem.objects.filter(business=business, category_id=matched_category).count()
    return MenuSearch(
        items=[items[pk] for pk in chosen if pk in items],
        category=category,
        category_size=size,
        avoid=frozenset(query.avoid),
        none_without=none_without,
    )


def _available_rows(business: Business, avoid: set[str]) -> list[MenuRow]:
    if not text_search.uses_postgres():
        return [r for r in _menu(business).rows if r.is_available and not avoid.intersection(r.allergens)]
    queryset = MenuItem.objects.filter(business=business, is_available=True)
    for allergen in avoid:
        queryset = queryset.exclude(allergens__contains=[allergen])
    return [_row(v) for v in queryset.order_by("category__position", "position", "name").values_list(*_COLUMNS)[:50]]


def _items_with_options(business: Business, ids: list[int]) -> list[MenuItem]:
    from orders.selectors import menu_items_with_options

    return list(menu_items_with_options(business).filter(pk__in=ids)) if ids else []
