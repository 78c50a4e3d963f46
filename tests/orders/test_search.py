"""Menu and FAQ retrieval: what callers say, in Italian and English, finds what they mean, at any menu size."""

from decimal import Decimal

import pytest

from orders import search as menu_search_module
from orders.models import MenuCategory, MenuItem
from orders.search import menu_search
from orders.selectors import menu_item_match
from orders.services import menu_item_set_available
from orders.synthetic import synthetic_restaurant_fill
from panbot import search
from restaurants.models import FaqEntry
from restaurants.selectors import faq_search

VEGAN = {"Ortolana", "Penne all'arrabbiata", "Sorbetto al limone"}


@pytest.fixture
def held_menu(business):
    """A small trattoria menu whose answers the held phrasings below must find."""
    pizze = MenuCategory.objects.create(business=business, name="Pizze", position=0)
    primi = MenuCategory.objects.create(business=business, name="Primi", position=1)
    dolci = MenuCategory.objects.create(business=business, name="Dolci", position=2)
    bevande = MenuCategory.objects.create(business=business, name="Bevande", position=3)
    rows = [
        (pizze, "Margherita", "Tomato, mozzarella, basil", ["gluten", "milk"], []),
        (pizze, "Margherita senza glutine", "Gluten-free base, tomato, mozzarella", ["milk"], ["margherita gf"]),
        (pizze, "Diavola", "Tomato, mozzarella, spicy salami", ["gluten", "milk"], []),
        (pizze, "Ortolana", "Grilled vegetables, tomato, no cheese. Vegan", ["gluten"], []),
        (pizze, "Quattro formaggi", "Mozzarella, gorgonzola, fontina, parmigiano", ["gluten", "milk"], []),
        (primi, "Spaghetti alla carbonara", "Egg, pecorino, guanciale", ["gluten", "eggs", "milk"], []),
        (primi, "Penne all'arrabbiata", "Spicy tomato sauce, garlic, chili. Vegan", ["gluten"], []),
        (primi, "Risotto ai funghi", "Porcini mushrooms, parmigiano", ["milk"], []),
        (dolci, "Tiramisù", "Mascarpone, coffee, savoiardi", ["eggs", "milk", "gluten"], []),
        (dolci, "Sorbetto al limone", "Lemon sorbet, dairy-free and vegan", [], []),
        (bevande, "Coca-Cola", "", [], ["coke"]),
    ]
    items = {}
    for position, (category, name, description, allergens, aliases) in enumerate(rows):
        items[name] = MenuItem.objects.create(
            business=business, category=category, name=name, description=description, allergens=allergens,
            aliases=aliases, price=Decimal("9.00"), position=position,
        )  # fmt: skip
    faq = [
        ("Is there a car park nearby?", "Yes, free parking behind the restaurant."),
        ("C'è un parcheggio?", "Sì, il parcheggio gratuito è dietro il ristorante."),
        ("Can I bring my dog?", "Dogs are welcome on the terrace."),
        ("Posso portare il cane?", "Sì, i cani sono benvenuti in terrazza."),
        ("Do you take credit cards?", "Yes, all cards and contactless."),
        ("Accettate carte di credito?", "Sì, tutte le carte e il contactless."),
        ("Is there a children's menu?", "Yes, half portions for kids."),
    ]
    for position, (question, answer) in enumerate(faq):
        FaqEntry.objects.create(business=business, question=question, answer=answer, position=position)
    return items


# (phrasing, the expected first result): a held set per language.
MENU_PHRASINGS = {
    "it": [
        ("una margherita senza glutine", "Margherita senza glutine"),
        ("avete qualcosa di vegano", "Ortolana"),
        ("che pizze avete", "Margherita"),
        ("qualcosa di piccante", "Diavola"),
        ("la carbonara", "Spaghetti alla carbonara"),
        ("un risotto con i funghi", "Risotto ai funghi"),
        ("un dolce senza uova", "Sorbetto al limone"),
        ("una coca", "Coca-Cola"),
    ],
    "en": [
        ("anything vegan", "Ortolana"),
        ("gluten free margherita", "Margherita senza glutine"),
        ("what pizzas do you have", "Margherita"),
        ("spicy pasta with chili", "Penne all'arrabbiata"),
        ("something with mushrooms", "Risotto ai funghi"),
        ("a dessert without eggs", "Sorbetto al limone"),
        ("a coke please", "Coca-Cola"),
        ("four cheese pizza quattro formaggi", "Quattro formaggi"),
    ],
}
FAQ_PHRASINGS = {
    "it": [
        ("c'è parcheggio", "C'è un parcheggio?"),
        ("posso venire col cane", "Posso portare il cane?"),
        ("si può pagare con la carta di credito", "Accettate carte di credito?"),
    ],
    "en": [
        ("do you have parking", "Is there a car park nearby?"),
        ("can I pay by card", "Do you take credit cards?"),
        ("is there a kids menu", "Is there a children's menu?"),
        ("are dogs allowed", "Can I bring my dog?"),
    ],
}


@pytest.fixture(params=["postgres", "fallback"])
def engine(request, monkeypatch):
    """Each ranking runs on PostgreSQL's indexes and on the embedded default's Python fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "uses_postgres", lambda: False)
    return request.param


def _menu_top(business, phrasing):
    result = menu_search(business, phrasing)
    return [item.name for item in result.items], result


@pytest.mark.parametrize("language", ["it", "en"])
def test_held_menu_phrasings_find_the_expected_item_first(business, held_menu, engine, language):
    misses = []
    for phrasing, expected in MENU_PHRASINGS[language]:
        names, _result = _menu_top(business, phrasing)
        if not names or names[0] != expected:
            misses.append((phrasing, expected, names[:3]))
    assert misses == []


@pytest.mark.parametrize("language", ["it", "en"])
def test_held_faq_phrasings_find_the_expected_entry_first(business, held_menu, engine, language):
    misses = []
    for phrasing, expected in FAQ_PHRASINGS[language]:
        found = [e.question for e in faq_search(business, phrasing)]
        if not found or found[0] != expected:
            misses.append((phrasing, expected, found))
    assert misses == []


def test_vegan_requests_list_only_vegan_dishes(business, held_menu, engine):
    for phrasing in ("anything vegan", "piatti vegani"):
        names, _ = _menu_top(business, phrasing)
        assert set(names) == VEGAN, phrasing


def test_avoiding_an_allergen_leaves_out_every_item_that_declares_it(business, held_menu, engine):
    for phrasing in ("something without gluten", "senza glutine", "gluten-free please", "no dairy"):
        _names, result = _menu_top(business, phrasing)
        assert result.items, phrasing
        assert all(not result.avoid.intersection(item.allergens) for item in result.items), phrasing
    _names, result = _menu_top(business, "tiramisù senza uova")
    assert result.none_without and [i.name for i in result.items] == ["Tiramisù"]  # said, not hidden


def test_a_category_request_says_which_category_and_its_size(business, held_menu, engine):
    _names, result = _menu_top(business, "what pizzas do you have")
    assert result.category is not None and result.category.name == "Pizze" and result.category_size == 5


def test_sold_out_items_are_found_flagged_and_ranked_after_available_ones(business, held_menu, engine):
    menu_item_set_available(business=business, item_id=held_menu["Diavola"].pk, is_available=False)
    names, result = _menu_top(business, "diavola")
    assert names[0] == "Diavola" and not result.items[0].is_available
    names, _ = _menu_top(business, "what pizzas do you have")  # the whole category: available ones first
    assert len(names) == 5 and names[-1] == "Diavola"


def test_nothing_is_found_for_noise_or_another_restaurants_menu(business, outsider_business, held_menu, engine):
    assert menu_search(business, "hamburger with fries").items == []
    assert menu_search(business, "").items == []
    assert menu_search(outsider_business, "margherita").items == []
    assert faq_search(outsider_business, "parking") == []


AT_SCALE_MANY_RIGHT_ANSWERS = {
    "che pizze avete", "what pizzas do you have", "avete qualcosa di vegano", "anything vegan",
    "un dolce senza uova", "a dessert without eggs",
}  # fmt: skip


@pytest.mark.parametrize("language", ["it", "en"])
def test_held_phrasings_still_rank_first_among_2000_items_and_1000_faq_entries(business, held_menu, engine, language):
    synthetic_restaurant_fill(business, items=2000, faq_entries=1000)
    misses = []
    for phrasing, expected in MENU_PHRASINGS[language]:
        if phrasing in AT_SCALE_MANY_RIGHT_ANSWERS:
            continue  # a whole category, a diet, any dessert without eggs: hundreds of right answers here
        names, _ = _menu_top(business, phrasing)
        if not names or names[0] != expected:
            misses.append((phrasing, expected, names[:3]))
    for phrasing, expected in FAQ_PHRASINGS[language]:
        found = [e.question for e in faq_search(business, phrasing)]
        if not found or found[0] != expected:
            misses.append((phrasing, expected, found))
    assert misses == []


def test_lookups_at_2000_items_ask_postgres_for_a_few_candidates(business, held_menu, django_assert_max_num_queries):
    synthetic_restaurant_fill(business, items=2000, faq_entries=1000)
    rows = menu_search_module.menu_candidates(business, ["margherita"])
    assert 0 < len(rows) <= search.CANDIDATES_MAX
    # Categories, candidates (with the trigram threshold), the chosen items with their options.
    with django_assert_max_num_queries(8):
        assert menu_search(business, "una margherita senza glutine").items[0].name == "Margherita senza glutine"
    with django_assert_max_num_queries(4):
        assert menu_item_match(business, "margarita")[0].item.name == "Margherita"
    with django_assert_max_num_queries(4):
        assert faq_search(business, "do you have parking")[0].question == "Is there a car park nearby?"


def test_the_fallback_reads_the_menu_once_per_change(business, held_menu, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(search, "uses_postgres", lambda: False)
    assert menu_item_match(business, "diavola")[0].available
    with django_assert_num_queries(2):  # the knowledge version, then the matched items: no menu scan
        assert menu_item_match(business, "diavola")[0].available
    menu_item_set_available(business=business, item_id=held_menu["Diavola"].pk, is_available=False)
    assert not menu_item_match(business, "diavola")[0].available
    MenuItem.objects.create(
        business=business, category=held_menu["Diavola"].category, name="Bufalina", price=Decimal("10")
    )
    assert menu_search(business, "bufalina").items == []  # written without a service: not seen yet
    FaqEntry.objects.create(business=business, question="Do you deliver?", answer="No.")
    from restaurants.services import knowledge_version_bump

    knowledge_version_bump(business_id=business.pk)
    assert [i.name for i in menu_search(business, "bufalina").items] == ["Bufalina"]
    assert faq_search(business, "delivery")[0].answer == "No."
