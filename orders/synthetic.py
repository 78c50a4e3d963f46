"""A synthetic restaurant of any size (menu and FAQ), for the agent's budget tests and bench/agent_turn.py.

Deterministic for a given seed. Nothing in it is spicy or vegan, and its FAQ avoids the held
topics (parking, dogs, cards, children), so it is noise around the held retrieval phrasings
(tests/orders/test_search.py), never a better answer to them. Rows are bulk-created
(thousands in well under a second) and the business's knowledge version is bumped once at
the end, as a service would.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from orders.models import Allergen, MenuCategory, MenuItem, Modifier, ModifierGroup
from restaurants.models import Business, FaqEntry
from restaurants.services import knowledge_version_bump

# Category, dishes it holds, allergens every dish of it declares.
_CATEGORIES: list[tuple[str, list[str], list[str]]] = [
    ("Antipasti", ["Bruschetta", "Caprese", "Tagliere", "Carpaccio", "Frittura", "Burrata", "Crostini"], []),
    ("Pizze", ["Margherita", "Diavola", "Capricciosa", "Quattro formaggi", "Marinara", "Bufalina", "Boscaiola",
               "Ortolana", "Tonno e cipolla", "Salsiccia e friarielli"], [Allergen.GLUTEN]),
    ("Primi", ["Spaghetti", "Penne", "Tagliatelle", "Risotto", "Gnocchi", "Lasagne", "Ravioli", "Pappardelle"],
     [Allergen.GLUTEN]),
    ("Secondi", ["Tagliata", "Cotoletta", "Branzino", "Pollo", "Polpette", "Saltimbocca", "Ossobuco"], []),
    ("Insalate", ["Insalata mista", "Insalata di farro", "Caesar", "Nizzarda", "Panzanella"], []),
    ("Dolci", ["Tiramisù", "Panna cotta", "Cannolo", "Cheesecake", "Sorbetto", "Torta della nonna"], []),
    ("Bevande", ["Acqua", "Coca-Cola", "Aranciata", "Birra", "Tè freddo", "Chinotto"], []),
    ("Vini", ["Chianti", "Barolo", "Vermentino", "Prosecco", "Lambrusco", "Nero d'Avola"], [Allergen.SULPHITES]),
]  # fmt: skip
_STYLES = ["classica", "della casa", "speciale", "rustica", "al tartufo", "della nonna", "maxi",
           "light", "gourmet", "del giorno", "alla brace", "estiva", "invernale", "bianca", "rossa"]  # fmt: skip
_INGREDIENTS: list[tuple[str, list[str]]] = [
    ("tomato", []), ("mozzarella", [Allergen.MILK]), ("basil", []), ("parmesan", [Allergen.MILK]),
    ("egg", [Allergen.EGGS]), ("anchovies", [Allergen.FISH]), ("prawns", [Allergen.CRUSTACEANS]),
    ("walnuts", [Allergen.NUTS]), ("celery", [Allergen.CELERY]), ("mushrooms", []), ("salami", []),
    ("ham", []), ("rocket", []), ("olives", []), ("aubergine", []), ("courgette", []), ("pistachio",
    [Allergen.NUTS]), ("sesame", [Allergen.SESAME]), ("lemon", []), ("pepper", []), ("garlic", []),
]  # fmt: skip
_FAQ_TOPICS = [
    ("outdoor heaters", "Yes, on the terrace."), ("birthday cakes", "Bring your own; no charge."),
    ("gluten-free bread", "Yes, on request."), ("delivery", "We do not deliver; order for pickup."),
    ("a tasting menu", "On weekends, five courses."), ("a smoking area", "Only outside."),
    ("wifi", "Free wifi; ask staff for the password."), ("a terrace", "Yes, open from April to October."),
    ("private parties", "Yes, up to 40 guests."), ("vegan dishes", "Several; ask for the vegan menu."),
    ("wheelchair access", "Step-free entrance and toilet."), ("high chairs", "Yes, three."),
    ("gift cards", "Yes, at the counter."), ("live music", "On Friday evenings."),
    ("corkage", "Ten euros a bottle."), ("takeaway containers", "Compostable, free."),
    ("lactose-free options", "Several; ask staff."), ("halal meat", "Not at the moment."),
    ("opening on holidays", "We open on most holidays; see our hours."), ("booking for large groups", "Call us."),
]  # fmt: skip
_FAQ_FORMS = ["Do you have {}?", "Is there {}?", "What about {}?", "Can you tell me about {}?", "Avete {}?",
              "C'è {}?", "Info su {}?", "Any news about {}?", "Question on {}?", "Policy on {}?"]  # fmt: skip


def synthetic_restaurant_fill(business: Business, *, items: int, faq_entries: int = 0, seed: int = 14) -> None:
    """Give `business` a menu of `items` items (with options and a few sold out) and `faq_entries` FAQ entries."""
    rng = random.Random(seed)  # noqa: S311 - sample data, repeatable by seed
    with transaction.atomic():
        existing = {c.name: c for c in MenuCategory.objects.filter(business=business)}
        MenuCategory.objects.bulk_create(
            MenuCategory(business=business, name=name, position=i)
            for i, (name, _d, _a) in enumerate(_CATEGORIES)
            if name not in existing
        )
        by_name = {c.name: c for c in MenuCategory.objects.filter(business=business)}
        categories = [by_name[name] for name, _d, _a in _CATEGORIES]
        rows: list[MenuItem] = []
        names: set[str] = set(MenuItem.objects.filter(business=business).values_list("name", flat=True))
        for n in range(items):
            index = n % len(_CATEGORIES)
            _cat, dishes, always = _CATEGORIES[index]
            name = f"{rng.choice(dishes)} {rng.choice(_STYLES)}"
            while name in names:
                name = f"{name} {len(names) % 97 + 2}"
            names.add(name)
            ingredients = rng.sample(_INGREDIENTS, 3)
            allergens = sorted({*always, *(a for _i, found in ingredients for a in found)})
            rows.append(
                MenuItem(
                    business=business, category=categories[index], name=name,
                    description=", ".join(i for i, _a in ingredients).capitalize(),
                    price=Decimal(rng.randrange(300, 3000)) / 100, allergens=allergens,
                    is_available=rng.random() > 0.03, position=n // len(_CATEGORIES),
                )
            )  # fmt: skip
        MenuItem.objects.bulk_create(rows, batch_size=500)
        groups: list[ModifierGroup] = []
        for item in rows[::3]:
            groups.append(ModifierGroup(item=item, name="Size", min_selected=1, max_selected=1))
            groups.append(ModifierGroup(item=item, name="Extras", min_selected=0, max_selected=3, position=1))
        ModifierGroup.objects.bulk_create(groups, batch_size=500)
        options: list[Modifier] = []
        for group in groups:
            if group.name == "Size":
                options += [Modifier(group=group, name="Normale"), Modifier(group=group, name="Maxi",
                            price_delta=Decimal("3.00"), position=1)]  # fmt: skip
            else:
                extras = rng.sample(["Burrata", "Olive", "Rucola", "Funghi", "Salame", "Bufala", "Basilico"], 4)
                options += [Modifier(group=group, name=e, price_delta=Decimal("1.50"), position=i)
                            for i, e in enumerate(extras)]  # fmt: skip
        Modifier.objects.bulk_create(options, batch_size=1000)
        faq: list[FaqEntry] = []
        for n in range(faq_entries):
            topic, answer = _FAQ_TOPICS[n % len(_FAQ_TOPICS)]
            form = _FAQ_FORMS[(n // len(_FAQ_TOPICS)) % len(_FAQ_FORMS)]
            round_ = n // (len(_FAQ_TOPICS) * len(_FAQ_FORMS))
            question = form.format(topic) + (f" ({round_ + 1})" if round_ else "")
            faq.append(FaqEntry(business=business, question=question, answer=answer, position=n % 1000))
        FaqEntry.objects.bulk_create(faq, batch_size=500)
        knowledge_version_bump(business_id=business.pk)
