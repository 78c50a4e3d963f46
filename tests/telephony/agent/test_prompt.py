"""The agent's system prompt: within its token budget for any menu, built once, rebuilt when what it says changes."""

import subprocess
import sys
from datetime import datetime, time
from zoneinfo import ZoneInfo

import bpe_openai
import pytest
from django.db import transaction

from orders.models import MenuItem, OrderSettings
from orders.selectors import menu_as_text
from orders.services import menu_item_set_available, order_settings_save
from orders.synthetic import synthetic_restaurant_fill
from restaurants.agent_config import SYSTEM_PROMPT_MAX, effective_config
from restaurants.models import FaqEntry
from restaurants.services import business_save, closure_set, faq_entry_save, opening_hours_replace
from telephony.agent.prompt import build_instructions, business_prompt

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
SATURDAY_EVENING = datetime(2026, 6, 13, 18, 0, tzinfo=ROME)
# Counted here with bpe-openai directly, not through the code under test.
O200K = bpe_openai.get_encoding("o200k_base")


def tokens(text: str) -> int:
    return len(O200K.encode_ordinary(text))


@pytest.fixture
def config(business):
    return effective_config(business)


@pytest.mark.parametrize(("items", "faq_entries"), [(20, 10), (500, 200), (2000, 1000)])
def test_the_prompt_stays_within_its_budget_at_any_menu_size(business, taking_orders, items, faq_entries, settings):
    synthetic_restaurant_fill(business, items=items, faq_entries=faq_entries)
    business.agent_system_prompt = "Always offer our homemade lemonade. " * (SYSTEM_PROMPT_MAX // 37)
    business_save(business=business)
    config = effective_config(business)
    whole_menu = menu_as_text(business)
    instructions = build_instructions(business=business, config=config, caller_number="+393331112222",
                                      now=SATURDAY_EVENING)  # fmt: skip

    assert tokens(instructions) <= settings.AGENT_PROMPT_MAX_TOKENS == 2500
    assert "Today is Saturday 13 June 2026 (Europe/Rome). Hours today:" in instructions
    assert "Categories: Antipasti" in instructions and "Always offer our homemade lemonade." in instructions
    assert "+393331112222" in instructions and "search_menu" in instructions
    sold_out = MenuItem.objects.filter(business=business, is_available=False).values_list("name", flat=True)
    assert sold_out and sold_out[0] in instructions  # what is sold out today leads the outline
    if items >= 500:
        assert tokens(whole_menu) > 2 * settings.AGENT_PROMPT_MAX_TOKENS  # what the prompt used to carry


def test_a_smaller_budget_is_honoured_and_the_rules_survive(business, taking_orders, settings):
    settings.AGENT_PROMPT_MAX_TOKENS = 1000
    synthetic_restaurant_fill(business, items=2000, faq_entries=1000)
    business.agent_system_prompt = "x " * 4000
    business_save(business=business)
    instructions = build_instructions(business=business, config=effective_config(business), caller_number="",
                                      now=SATURDAY_EVENING)  # fmt: skip
    assert tokens(instructions) <= 1000
    assert "Never invent items, prices, times or availability" in instructions
    assert "The caller's number is unknown" in instructions


def stop_orders(settings_row: OrderSettings) -> OrderSettings:
    settings_row.accepting_orders = False
    return settings_row


def test_the_prompt_is_built_once_and_cached_until_what_it_says_changes(business, menu, taking_orders, config):
    first = business_prompt(business, config, now=SATURDAY_EVENING)
    again = business_prompt(business, config, now=SATURDAY_EVENING)
    assert (first.cached, again.cached, again.text) == (False, True, first.text)
    assert "Sold out today: Lasagne al forno." in first.text

    changes = [
        lambda: menu_item_set_available(business=business, item_id=menu.diavola.pk, is_available=False),
        lambda: faq_entry_save(entry=FaqEntry(business=business, question="Do you deliver?", answer="No.")),
        lambda: opening_hours_replace(business=business, periods=[(5, time(12), time(15))]),
        lambda: closure_set(business=business, date="2026-06-14", reason="Festa"),
        lambda: order_settings_save(settings=stop_orders(taking_orders)),
        lambda: business_save(business=business),
    ]
    texts = [first.text]
    for change in changes:
        change()
        rebuilt = business_prompt(business, config, now=SATURDAY_EVENING)
        assert not rebuilt.cached
        assert business_prompt(business, config, now=SATURDAY_EVENING).cached
        texts.append(rebuilt.text)
    assert "Sold out today: Diavola, Lasagne al forno." in texts[1]
    assert "Do you deliver?" in texts[2]
    assert "Hours today: Saturday 13 June: 12:00-15:00." in texts[3]
    assert "not taking phone orders" in texts[5]


def test_a_change_that_rolls_back_keeps_the_cached_prompt(business, menu, taking_orders, config):
    business_prompt(business, config, now=SATURDAY_EVENING)
    with pytest.raises(RuntimeError), transaction.atomic():
        menu_item_set_available(business=business, item_id=menu.diavola.pk, is_available=False)
        raise RuntimeError("the admin's request failed")
    assert business_prompt(business, config, now=SATURDAY_EVENING).cached


def test_a_new_day_and_another_configuration_get_their_own_prompt(business, menu, taking_orders, config):
    business_prompt(business, config, now=SATURDAY_EVENING)
    sunday = business_prompt(business, config, now=datetime(2026, 6, 14, 9, 0, tzinfo=ROME))
    assert not sunday.cached and "Today is Sunday 14 June 2026" in sunday.text
    english = effective_config(business, {"language": "en"})
    assert not business_prompt(business, english, now=SATURDAY_EVENING).cached


def test_the_call_lines_carry_the_time_now_and_the_callers_number(business, menu, taking_orders, config):
    instructions = build_instructions(business=business, config=config, caller_number="+393331112222",
                                      now=SATURDAY_EVENING)  # fmt: skip
    assert instructions.endswith(
        "Now: Saturday 13 June 2026 18:00 (Europe/Rome).\nThe caller's number is +393331112222; never ask for it."
    )


def test_the_tokenizer_works_without_any_network():
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('no network in this test')\n"
        "socket.socket = refuse\nsocket.create_connection = refuse\n"
        "import bpe_openai\n"
        "print(bpe_openai.get_encoding('o200k_base').encode('hello world'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[24912, 2375]"  # tiktoken's o200k_base ids
