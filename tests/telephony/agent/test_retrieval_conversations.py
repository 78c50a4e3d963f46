"""Conversations with a large restaurant: the prompt stays small, and the menu is reached through the tools."""

from decimal import Decimal

import bpe_openai
import pytest

from orders.models import MenuItem, Order
from orders.services import menu_item_set_available
from orders.synthetic import synthetic_restaurant_fill
from tests.telephony.agent.conftest import db, outputs, tool

pytestmark = pytest.mark.django_db(transaction=True)
O200K = bpe_openai.get_encoding("o200k_base")


@pytest.fixture
def large_restaurant(restaurant):
    """The test trattoria with 2,000 more items and 1,000 FAQ entries, and one dish only the search can find."""
    synthetic_restaurant_fill(restaurant.business, items=2000, faq_entries=1000)
    restaurant.penne = MenuItem.objects.create(
        business=restaurant.business, category=restaurant.menu.margherita.category, name="Penne all'arrabbiata",
        description="Spicy tomato sauce, garlic, chili", allergens=["gluten"], price=Decimal("9.00"), position=999,
    )  # fmt: skip
    return restaurant


async def test_a_2000_item_restaurant_takes_an_order_for_a_dish_the_prompt_never_names(
    large_restaurant, make_call, settings
):
    penne = large_restaurant.penne
    call = make_call(
        [
            tool("search_menu", name="penne arrabbiata piccanti"), "$tool_output",
            tool("add_to_order", item="penne all'arrabbiata", quantity=2), "$tool_output",
            tool("review_order", pickup_time="19:30"), "$tool_output",
            tool("place_order", customer_name="Rossi", caller_confirmed=True), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    instructions = call.runner.session.current_agent.instructions
    assert len(O200K.encode_ordinary(instructions)) <= settings.AGENT_PROMPT_MAX_TOKENS
    assert call.runner.outcome.prompt_tokens <= settings.AGENT_PROMPT_MAX_TOKENS
    assert "arrabbiata" not in instructions and "9.00" not in instructions  # items and prices come from tools

    (found,) = outputs(await call.say("Avete delle penne all'arrabbiata piccanti?"))
    assert found[1].startswith(f"#{penne.pk} Penne all'arrabbiata 9.00")
    (added,) = outputs(await call.say("Due, grazie"))
    assert not added[2] and "2 Penne all'arrabbiata" in added[1] and "18.00" in added[1]
    await call.say("Passo alle 19:30")
    (placed,) = outputs(await call.say("Sì, a nome Rossi"))
    assert "Order placed" in placed[1]
    await call.hang_up()
    order = await db(lambda: Order.objects.prefetch_related("lines").get(customer_name="Rossi"))()
    assert [(line.name, line.quantity) for line in order.lines.all()] == [("Penne all'arrabbiata", 2)]


async def test_a_large_menu_is_read_by_category_and_page(large_restaurant, make_call):
    call = make_call(
        [
            tool("read_menu"), "$tool_output",
            tool("read_menu", category="pizzas", page=2), "$tool_output",
            tool("read_menu", category="sushi"), "?",
        ]
    )  # fmt: skip
    await call.start()
    (overview,) = outputs(await call.say("Cosa avete?"))
    assert "in these categories: Antipasti (250 items); Pizze (255 items)" in overview[1]
    assert len(overview[1]) < 600  # not the 100k characters the whole menu used to be
    (page,) = outputs(await call.say("Le pizze, la seconda pagina"))
    assert (
        page[1].startswith("Pizze, page 2 of ") and page[1].count("\n- #") == 10 and page[1].endswith("More on page 3.")
    )
    (missing,) = outputs(await call.say("E il sushi?"))
    assert missing[2] and "There is no 'sushi' on the menu" in missing[1]
    await call.hang_up()


async def test_an_item_sold_out_mid_call_is_refused_and_the_next_caller_hears_it_is_sold_out(restaurant, make_call):
    diavola = restaurant.menu.diavola
    call = make_call(
        [
            tool("search_menu", name="diavola"), "$tool_output",
            tool("search_menu", name="diavola"), "$tool_output",
            tool("add_to_order", item="Diavola"), "Mi dispiace.",
        ]
    )  # fmt: skip
    await call.start()
    assert "Diavola" not in call.runner.session.current_agent.instructions.split("Sold out today:")[1].split("\n")[0]
    (before,) = outputs(await call.say("C'è la diavola?"))
    assert before[1].startswith(f"#{diavola.pk} Diavola 9.50") and "sold out" not in before[1]

    # The kitchen runs out while the caller is on the line.
    await db(menu_item_set_available)(business=restaurant.business, item_id=diavola.pk, is_available=False)
    (after,) = outputs(await call.say("Allora una diavola"))
    assert after[1].startswith(f"#{diavola.pk} Diavola 9.50, sold out today")
    (refused,) = outputs(await call.say("La prendo lo stesso"))
    assert refused[2] and "Diavola is sold out today." in refused[1]
    assert call.runner.session.userdata.cart == []
    await call.hang_up()

    cached_before = call.runner.outcome.prompt_cached
    next_call = make_call(["Buonasera"])
    await next_call.start()
    assert next_call.runner.outcome.prompt_cached is False  # rebuilt: the menu changed since
    assert cached_before is not None
    sold_out_line = next_call.runner.session.current_agent.instructions.split("Sold out today:")[1].split("\n")[0]
    assert "Diavola" in sold_out_line
    await next_call.hang_up()


async def test_the_second_call_of_a_restaurant_reuses_its_prompt(restaurant, make_call):
    first = make_call(["Buonasera"])
    await first.start()
    await first.hang_up()
    second = make_call(["Buonasera"])
    await second.start()
    assert (first.runner.outcome.prompt_cached, second.runner.outcome.prompt_cached) == (False, True)
    first_lines = first.runner.session.current_agent.instructions
    assert second.runner.session.current_agent.instructions == first_lines
    await second.hang_up()


async def test_questions_about_allergens_and_diets_are_answered_from_the_menu(restaurant, make_call):
    call = make_call(
        [
            tool("search_menu", name="qualcosa senza glutine"), "$tool_output",
            tool("search_menu", name="margherita without milk"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (gluten_free,) = outputs(await call.say("Avete qualcosa senza glutine?"))
    assert gluten_free[1].startswith("Items that do not declare gluten")
    assert "Margherita" not in gluten_free[1] and "Coca-Cola" in gluten_free[1]
    (with_milk,) = outputs(await call.say("Una margherita senza latte?"))
    assert with_milk[1].startswith("Every match contains milk") and "Margherita" in with_milk[1]
    await call.hang_up()
