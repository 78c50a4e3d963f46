"""Demo menus and order settings (used by `manage.py seed_demo`; idempotent).

Running it again restores the demo state, including which items are sold out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from orders import services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, OrderSettings
from restaurants.models import Business

D = Decimal

PIZZA_SIZE = ("Size", 1, 1, [("Normale", "0.00"), ("Maxi", "4.00")])
PIZZA_EXTRAS = (
    "Extra toppings",
    0,
    3,
    [
        ("Burrata", "3.00"),
        ("Bufala", "2.50"),
        ("Prosciutto crudo", "2.50"),
        ("Funghi", "1.50"),
        ("Olive", "1.00"),
        ("Acciughe", "1.50", False),
    ],
)
# Half-and-half: the other half is another pizza, priced by what it adds to this one.
OTHER_HALVES = [("Margherita", "0.00", True), ("Diavola", "1.50", True), ("Quattro formaggi", "2.50", True),
                ("Capricciosa", "3.00", False)]  # fmt: skip


def pizza_groups(pizza: str) -> list[tuple[Any, ...]]:
    halves = [(f"Other half {name}", delta, available) for name, delta, available in OTHER_HALVES if name != pizza]
    return [PIZZA_SIZE, PIZZA_EXTRAS, ("Half and half", 0, 1, halves)]


PASTA_GROUPS = [("Pasta", 0, 1, [("Gluten-free pasta", "2.00")])]

# category -> items: (name, price, description, aliases, allergens, available, groups)
MENUS: dict[str, list[tuple[str, str, list[tuple[Any, ...]]]]] = {
    "trattoria-da-mario": [
        ("Pizze", "Wood-fired, Neapolitan style", [
            ("Margherita", "7.50", "Tomato, fior di latte, basil", ["marghe", "pizza margherita"],
             ["gluten", "milk"], True, pizza_groups("Margherita")),
            ("Marinara", "6.00", "Tomato, garlic, oregano, olive oil", [], ["gluten"], True, pizza_groups("Marinara")),
            ("Diavola", "9.00", "Tomato, fior di latte, spicy salami", ["salamino piccante", "pizza piccante"],
             ["gluten", "milk"], True, pizza_groups("Diavola")),
            ("Quattro formaggi", "10.00", "Fior di latte, gorgonzola, fontina, parmigiano",
             ["4 formaggi", "four cheese"], ["gluten", "milk"], True, pizza_groups("Quattro formaggi")),
            ("Prosciutto e funghi", "9.50", "Tomato, fior di latte, cooked ham, mushrooms", ["prosciutto funghi"],
             ["gluten", "milk"], True, pizza_groups("Prosciutto e funghi")),
            ("Capricciosa", "10.50", "Tomato, fior di latte, ham, mushrooms, artichokes, olives", ["capricciosa"],
             ["gluten", "milk"], False, pizza_groups("Capricciosa")),
        ]),
        ("Primi", "Fresh pasta made every morning", [
            ("Spaghetti alla carbonara", "12.00", "Guanciale, egg yolk, pecorino, black pepper", ["carbonara"],
             ["gluten", "eggs", "milk"], True, PASTA_GROUPS),
            ("Pappardelle al cinghiale", "14.00", "Wild boar ragù", ["cinghiale", "wild boar pappardelle"],
             ["gluten", "eggs", "celery"], True, []),
            ("Penne all'arrabbiata", "10.00", "Tomato, garlic, chilli", ["arrabbiata"], ["gluten"], True,
             PASTA_GROUPS),
            ("Lasagne al forno", "11.00", "Beef ragù, béchamel, parmigiano", ["lasagna"],
             ["gluten", "eggs", "milk", "celery"], False, []),
        ]),
        ("Dolci", "", [
            ("Tiramisù", "6.00", "Mascarpone, coffee, savoiardi", ["tiramisu"], ["gluten", "eggs", "milk"], True, []),
            ("Cantucci e Vin Santo", "7.00", "Almond biscuits with a glass of Vin Santo", ["cantucci"],
             ["gluten", "eggs", "nuts", "sulphites"], True, []),
        ]),
        ("Bevande", "", [
            ("Acqua naturale 75 cl", "2.50", "", ["acqua", "still water", "water"], [], True, []),
            ("Acqua frizzante 75 cl", "2.50", "", ["acqua gassata", "sparkling water"], [], True, []),
            ("Coca-Cola 33 cl", "3.00", "", ["coca cola", "coke"], [], True, []),
            ("Birra Moretti 33 cl", "4.00", "", ["moretti", "birra", "beer"], ["gluten"], True, []),
            ("Chianti Classico, bottle", "22.00", "Red wine, 75 cl", ["chianti", "vino rosso", "red wine"],
             ["sulphites"], True, []),
        ]),
    ],
    "sushi-zen": [
        ("Nigiri", "Two pieces", [
            ("Sake nigiri", "4.50", "Salmon", ["salmon nigiri", "nigiri salmone"], ["fish", "soy"], True, []),
            ("Maguro nigiri", "5.50", "Tuna", ["tuna nigiri", "nigiri tonno"], ["fish", "soy"], True, []),
            ("Ebi nigiri", "5.00", "Cooked prawn", ["prawn nigiri", "nigiri gambero"], ["crustaceans", "soy"],
             False, []),
        ]),
        ("Maki", "Eight pieces", [
            ("California roll", "9.00", "Crab, avocado, cucumber, tobiko", ["california"],
             ["crustaceans", "eggs", "fish", "sesame", "soy"], True,
             [("Soy sauce", 1, 1, [("Regular soy sauce", "0.00"), ("Gluten-free tamari", "0.50")])]),
            ("Spicy tuna roll", "10.00", "Tuna, spicy mayo, spring onion", ["spicy tuna"],
             ["fish", "eggs", "sesame", "soy"], True,
             [("Soy sauce", 1, 1, [("Regular soy sauce", "0.00"), ("Gluten-free tamari", "0.50")])]),
        ]),
        ("Drinks", "", [
            ("Green tea", "2.50", "", ["tea", "tè verde"], [], True, []),
            ("Asahi 33 cl", "4.50", "", ["asahi", "beer"], ["gluten"], True, []),
        ]),
    ],
}  # fmt: skip

ORDER_SETTINGS = {
    # Two days ahead: on a Sunday night, Tuesday's lunch (the next opening after the Monday
    # closure) can still be ordered.
    "trattoria-da-mario": {"accepting_orders": True, "lead_time_minutes": 20, "max_quantity_per_line": 20,
                           "max_days_ahead": 2},
    "sushi-zen": {"accepting_orders": True, "lead_time_minutes": 30, "max_quantity_per_line": 10,
                  "max_days_ahead": 0},
}  # fmt: skip


def _fill(obj: Any, fields: dict[str, Any]) -> Any:
    for field, value in fields.items():
        setattr(obj, field, value)
    return obj


@transaction.atomic
def seed_menus(*, businesses: dict[str, Business]) -> dict[str, int]:
    """Create or restore the demo menus and order settings; returns the number of items per business slug."""
    counts = {}
    for slug, categories in MENUS.items():
        business = businesses[slug]
        for position, (category_name, category_description, items) in enumerate(categories):
            category = MenuCategory.objects.filter(business=business, name=category_name).first()
            category = services.menu_category_save(
                category=_fill(
                    category or MenuCategory(business=business, name=category_name),
                    {"description": category_description, "position": position},
                )
            )
            for item_position, (name, price, description, aliases, allergens, available, groups) in enumerate(items):
                item = MenuItem.objects.filter(business=business, name=name).first() or MenuItem(
                    business=business, name=name
                )
                item = services.menu_item_save(
                    item=_fill(
                        item,
                        {
                            "category": category,
                            "price": D(price),
                            "description": description,
                            "aliases": aliases,
                            "allergens": allergens,
                            "is_available": available,
                            "position": item_position,
                        },
                    )
                )
                _seed_groups(item, groups)
        counts[slug] = MenuItem.objects.filter(business=business).count()
        settings = OrderSettings.objects.filter(business=business).first() or OrderSettings(business=business)
        services.order_settings_save(settings=_fill(settings, ORDER_SETTINGS[slug]))
    return counts


def _seed_groups(item: MenuItem, groups: list[tuple[Any, ...]]) -> None:
    for position, (name, minimum, maximum, options) in enumerate(groups):
        group = ModifierGroup.objects.filter(item=item, name=name).first() or ModifierGroup(item=item, name=name)
        group = services.modifier_group_save(
            group=_fill(group, {"min_selected": minimum, "max_selected": maximum, "position": position})
        )
        for option_position, (option_name, delta, *available) in enumerate(options):
            modifier = Modifier.objects.filter(group=group, name=option_name).first() or Modifier(
                group=group, name=option_name
            )
            services.modifier_save(
                modifier=_fill(
                    modifier,
                    {
                        "price_delta": D(delta),
                        "is_available": available[0] if available else True,
                        "position": option_position,
                    },
                )
            )
