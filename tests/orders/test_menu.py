"""The menu: its invariants, the prompt text, and finding items by what a caller said."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orders import services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup
from orders.selectors import menu_as_text, menu_item_match
from panbot.errors import NotFound

pytestmark = pytest.mark.django_db


# --- Invariants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value", "constraint"),
    [
        ("item", "price", Decimal("-0.01"), "menuitem_price_non_negative"),
        ("modifier", "price_delta", Decimal("-1.00"), "modifier_price_delta_non_negative"),
        ("group", "max_selected", 0, "modifiergroup_max_positive"),
        ("group", "min_selected", 3, "modifiergroup_min_le_max"),
    ],
)
def test_database_refuses_impossible_menu_values(menu, model, field, value, constraint):
    row = {"item": menu.margherita, "modifier": menu.burrata, "group": menu.extras}[model]
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{field: value})


def test_names_are_unique_per_business_not_across(business, outsider_business, menu, make_menu):
    with pytest.raises(IntegrityError, match="menuitem_unique_name"), transaction.atomic():
        MenuItem.objects.create(business=business, category=menu.margherita.category, name="Margherita", price=1)
    make_menu(outsider_business)  # the same names in another restaurant are fine
    assert MenuItem.objects.filter(name="Margherita").count() == 2


def test_item_validation_names_every_bad_field(business, outsider_business, menu):
    foreign = MenuCategory.objects.create(business=outsider_business, name="Sushi")
    item = MenuItem(
        business=business, category=foreign, name="Nigiri", price=Decimal("-1"), aliases=["ok", ""], allergens=["x"]
    )
    with pytest.raises(ValidationError) as exc:
        services.menu_item_save(item=item)
    assert set(exc.value.message_dict) == {"category", "price", "aliases", "allergens"}
    assert exc.value.message_dict["category"] == ["Choose a category of the same business."]
    assert not MenuItem.objects.filter(name="Nigiri").exists()


def test_group_minimum_above_maximum_is_a_validation_error(menu):
    group = ModifierGroup(item=menu.margherita, name="Sauces", min_selected=2, max_selected=1)
    with pytest.raises(ValidationError) as exc:
        services.modifier_group_save(group=group)
    assert exc.value.message_dict["min_selected"] == ["The minimum cannot be above the maximum."]


def test_item_can_be_sold_out_and_back_but_only_by_its_business(business, outsider_business, menu):
    item = services.menu_item_set_available(business=business, item_id=menu.margherita.pk, is_available=False)
    assert item.is_available is False
    with pytest.raises(NotFound) as exc:
        services.menu_item_set_available(business=outsider_business, item_id=menu.margherita.pk, is_available=True)
    assert exc.value.messages == ["That item is not on our menu."]
    menu.margherita.refresh_from_db()
    assert menu.margherita.is_available is False


# --- Prompt text -------------------------------------------------------------------------------------


def test_menu_as_text_lists_what_can_be_ordered_with_prices_and_options(business, menu):
    text = menu_as_text(business)
    m = menu
    assert text.splitlines() == [
        "Menu of Trattoria Da Mario. Prices in EUR. Order with item #ids and option #ids.",
        "Pizze:",
        f"- #{m.margherita.pk} Margherita 8.00: Tomato, mozzarella, basil (allergens: gluten, milk)",
        f"  Size (choose 1): #{m.normale.pk} Normale +0.00, #{m.maxi.pk} Maxi +4.00",
        f"  Extra toppings (optional, up to 2): #{m.burrata.pk} Burrata +3.00, #{m.olive.pk} Olive +1.00",
        f"- #{m.diavola.pk} Diavola 9.50",
        f"- #{m.tiramisu.pk} Tiramisù 6.00",
        "Bevande:",
        f"- #{m.cola.pk} Coca-Cola 3.00",
        "Sold out today: Lasagne al forno.",
    ]


def test_item_whose_required_choice_is_all_sold_out_is_sold_out(business, menu):
    Modifier.objects.filter(group=menu.size).update(is_available=False)
    text = menu_as_text(business)
    assert "Margherita" not in text.split("Sold out today:")[0]
    assert text.endswith("Sold out today: Margherita, Lasagne al forno.")


def test_menu_as_text_is_three_queries_and_shows_no_other_restaurant(
    business, outsider_business, menu, make_menu, django_assert_max_num_queries
):
    other = make_menu(outsider_business)
    MenuItem.objects.filter(pk=other.diavola.pk).update(name="Sushi Deluxe")
    with django_assert_max_num_queries(3):
        text = menu_as_text(business)
    assert "Sushi Deluxe" not in text
    assert f"#{other.margherita.pk} " not in text


# --- Matching what a caller said -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "expected", "matched"),
    [
        ("Margherita", "Margherita", "Margherita"),
        ("marghe", "Margherita", "marghe"),
        ("margarita", "Margherita", "Margherita"),  # speech-to-text spelling
        ("una pizza margherita", "Margherita", "Margherita"),
        ("diavolo", "Diavola", "Diavola"),
        ("tiramisu", "Tiramisù", "Tiramisù"),  # accents do not matter
        ("a coke", "Coca-Cola", "coke"),
    ],
)
def test_menu_item_match_tolerates_how_callers_and_stt_say_names(business, menu, spoken, expected, matched):
    best = menu_item_match(business, spoken)[0]
    assert (best.item.name, best.matched) == (expected, matched)
    assert 60 <= best.score <= 100


def test_exact_name_scores_100_and_ranks_first(business, menu):
    matches = menu_item_match(business, "Margherita")
    assert matches[0].score == 100
    assert all(m.score < 100 for m in matches[1:])


def test_sold_out_items_are_found_and_flagged(business, menu):
    best = menu_item_match(business, "lasagna")[0]
    assert best.item == menu.lasagne
    assert best.available is False


def test_noise_matches_nothing_and_limit_is_respected(business, menu):
    assert menu_item_match(business, "hamburger with fries") == []
    assert menu_item_match(business, "") == []
    assert len(menu_item_match(business, "pizza", limit=1)) <= 1


def test_another_restaurants_items_are_never_matched(business, outsider_business, make_menu):
    make_menu(outsider_business)
    assert menu_item_match(business, "Margherita") == []
