"""Agent turn benchmark: prompt size and build time, per-turn lookups, before and after retrieval.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panbot REDIS_URL=redis://127.0.0.1:6379/3 \
        python bench/agent_turn.py

It creates its own database, `<DATABASE_URL's name>_agentbench`, on the same server (the role
needs CREATEDB), migrates it, and drops it at the end, also after an error or Ctrl-C.

Three synthetic restaurants (orders.synthetic) of 20 items / 10 FAQ entries, 500 / 200 and
2,000 / 1,000. For each, in one run:

- BEFORE, the code as it was before issue 14, kept here as the baseline: the system prompt
  carrying the whole menu and every FAQ entry, `read_menu` returning the whole menu, the
  item matcher scanning every item with rapidfuzz, the FAQ search scoring every entry.
- AFTER, the code as shipped: the bounded prompt (built, and read from the cache), the
  retrieval tools (menu_search, menu_item_match, faq_search on PostgreSQL's indexes), a
  page of read_menu, and order_review (unchanged, measured because the issue bounds it).

Prompt tokens are counted with bpe-openai (o200k_base). Times are medians (and p95) over
--repeat runs of each lookup over a set of phrasings, in this process, on a warm connection.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/panbot")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from own_database import own_database  # noqa: E402  (bench/, the script's folder)
from rapidfuzz import fuzz, process  # noqa: E402

from orders.models import MenuItem, OrderSettings  # noqa: E402
from orders.search import menu_search  # noqa: E402
from orders.selectors import MenuMatch, _normalise, menu_as_text, menu_item_match, menu_page  # noqa: E402
from orders.services import order_review  # noqa: E402
from orders.synthetic import synthetic_restaurant_fill  # noqa: E402
from restaurants.agent_config import effective_config  # noqa: E402
from restaurants.models import Business, FaqEntry  # noqa: E402
from restaurants.selectors import _faq_score, business_info, faq_list, faq_search  # noqa: E402
from restaurants.services import opening_hours_replace  # noqa: E402
from telephony.agent import prompt as agent_prompt  # noqa: E402

NOW = datetime(2026, 6, 13, 18, 0, tzinfo=ZoneInfo("Europe/Rome"))
SIZES = [(20, 10), (500, 200), (2000, 1000)]
MENU_QUERIES = ["una margherita senza glutine", "anything vegan", "what pizzas do you have", "diavola piccante",
                "tiramisu", "something without gluten", "una coca", "risotto ai funghi"]  # fmt: skip
NAMES = ["margarita", "diavolo", "quattro formaggi", "tiramisu", "coca cola", "penne"]
FAQ_QUERIES = ["do you have parking", "c'è il parcheggio", "can I bring my dog", "avete la terrazza",
               "do you take cards", "wifi password"]  # fmt: skip


# --- BEFORE: the code as it was before issue 14, kept as the baseline --------------------------------
def before_instructions(*, business: Business, config: Any, caller_number: str, now: datetime) -> str:
    """The system prompt as built before: the whole menu and every FAQ entry in it."""
    info = business_info(business, now=now)
    faq = faq_list(business)
    parts = [
        f"You answer the phone for {business.name}, a restaurant. You are friendly, brief and clear: "
        "this is a phone call, so use short spoken sentences, no lists, no markdown, no emojis.",
        "Speak Italian.",
        "Today and the restaurant's facts (its time zone):\n" + info.as_text(),
        "The menu (only what can be ordered today; prices in " + business.currency + "):\n" + menu_as_text(business),
    ]
    if faq:
        parts.append("Frequent questions:\n" + "\n".join(f"- {e.question} {e.answer}" for e in faq))
    parts.append(agent_prompt._rules(config) + f"\nThe caller's number is {caller_number or 'unknown'}.")
    if config.system_prompt:
        parts.append("Instructions from the restaurant:\n" + config.system_prompt)
    return "\n\n".join(parts)


def before_menu_item_match(business: Business, spoken_name: str, *, limit: int = 3) -> list[MenuMatch]:
    """The item matcher as it was: every item of the business loaded and scored in Python, each turn."""
    query = _normalise(spoken_name)
    items = list(MenuItem.objects.filter(business=business).select_related("category"))
    names, owners = [], []
    for item in items:
        for name in [item.name, *item.aliases]:
            names.append(_normalise(name))
            owners.append((item, name))
    words = [w for w in query.split() if len(w) >= 3] or query.split()
    best: dict[int, MenuMatch] = {}
    for choice, score, index in process.extract(
        query, names, scorer=fuzz.WRatio, limit=None, score_cutoff=60.0, processor=None
    ):
        if not any(fuzz.ratio(w, c) >= 75.0 for w in words for c in choice.split()):
            continue
        item, matched = owners[index]
        if item.pk not in best or score > best[item.pk].score:
            best[item.pk] = MenuMatch(item=item, score=round(score, 1), matched=matched)
    return sorted(best.values(), key=lambda m: (-m.score, not m.available, m.item.name))[:limit]


def before_faq_search(business: Business, query: str, *, limit: int = 3) -> list[FaqEntry]:
    """The FAQ search as it was: every active entry loaded and scored in Python, each turn."""
    from panbot.search import topic_words

    query_words = topic_words(query)
    if not query_words:
        return []
    scored = []
    for entry in FaqEntry.objects.filter(business=business, is_active=True).order_by("position", "id"):
        score = _faq_score(query_words, topic_words(entry.question), topic_words(entry.answer))
        if score >= 35.0:
            scored.append((score, -entry.position, -entry.pk, entry))
    scored.sort(key=lambda row: row[:3], reverse=True)
    return [row[3] for row in scored[:limit]]


# --- measuring -------------------------------------------------------------------------------------
def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def per_query(fn: Callable[[str], object], queries: list[str], repeat: int) -> list[float]:
    samples: list[float] = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            fn(query)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):8.2f} {p95:8.2f}"


def restaurant(items: int, faq: int) -> Business:
    business = Business.objects.create(name=f"Bench {items}", slug=f"bench-{items}", timezone="Europe/Rome")
    from datetime import time as clock

    opening_hours_replace(
        business=business, periods=[(d, clock(12), clock(15)) for d in range(7)] + [(d, clock(19), clock(23))
                                                                                     for d in range(7)]
    )  # fmt: skip
    OrderSettings.objects.create(business=business, lead_time_minutes=20, max_quantity_per_line=10)
    synthetic_restaurant_fill(business, items=items, faq_entries=faq)
    # Statistics as autovacuum would have them after a bulk load: without them the planner
    # scans the business's rows and folds each one (~50 ms at 2,000) instead of using the GIN index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_menuitem; ANALYZE restaurants_faqentry")
    # As the agent's tools load it: with its knowledge version (the caches' key), in one query.
    return Business.objects.select_related("knowledge_version").get(pk=business.pk)


def run(options: argparse.Namespace) -> None:
    print(f"tokenizer: bpe-openai {agent_prompt._encoding().name}; budget {settings.AGENT_PROMPT_MAX_TOKENS} tokens")
    print(f"cache: {settings.CACHES['default']['BACKEND']}\n")
    agent_prompt.warm_tokenizer()
    for items, faq in SIZES:
        measure(items, faq, options.repeat)


def measure(items: int, faq: int, r: int) -> None:
    if True:
        business = restaurant(items, faq)
        config = effective_config(business)
        lines = list(MenuItem.objects.filter(business=business, is_available=True, modifier_groups__isnull=True)
                     .values_list("pk", flat=True)[:2])  # fmt: skip
        cart = [{"item_id": pk, "quantity": 2, "modifier_ids": []} for pk in lines]
        before_text = before_instructions(business=business, config=config, caller_number="+39333", now=NOW)
        after_text = agent_prompt.build_instructions(business=business, config=config, caller_number="+39333",
                                                     now=NOW)  # fmt: skip
        row = {
            "size": f"{items} items / {faq} FAQ",
            "prompt_chars": (len(before_text), len(after_text)),
            "prompt_tokens": (agent_prompt.count_tokens(before_text), agent_prompt.count_tokens(after_text)),
            "build": (
                summary(
                    timed(
                        lambda: before_instructions(business=business, config=config, caller_number="+39333", now=NOW),
                        max(3, r // 5),
                    )
                ),
                summary(timed(lambda: agent_prompt._build(business, config, NOW), max(3, r // 5))),
                summary(timed(lambda: agent_prompt.business_prompt(business, config, now=NOW), r)),
            ),
            "read_menu_chars": (len(menu_as_text(business)), len(_first_page(business))),
            "read_menu": (
                summary(timed(lambda: menu_as_text(business), max(3, r // 5))),
                summary(timed(lambda: _first_page(business), r)),
            ),
            "match": (
                summary(per_query(lambda q: before_menu_item_match(business, q), NAMES, max(1, r // 10))),
                summary(per_query(lambda q: menu_item_match(business, q), NAMES, r)),
            ),
            "search": summary(per_query(lambda q: menu_search(business, q), MENU_QUERIES, r)),
            "faq": (
                summary(per_query(lambda q: before_faq_search(business, q), FAQ_QUERIES, max(1, r // 10))),
                summary(per_query(lambda q: faq_search(business, q), FAQ_QUERIES, r)),
            ),
            "review": summary(timed(lambda: order_review(business=business, items=cart), r)),
        }
        print(f"--- {row['size']}")
        print(f"  prompt chars            before {row['prompt_chars'][0]:>9,}  after {row['prompt_chars'][1]:>7,}")
        print(f"  prompt tokens           before {row['prompt_tokens'][0]:>9,}  after {row['prompt_tokens'][1]:>7,}"
              f"  ratio {row['prompt_tokens'][0] / row['prompt_tokens'][1]:.1f}x")  # fmt: skip
        print("  (ms: median p95)")
        print(f"  prompt build            before {row['build'][0]}  after (built) {row['build'][1]}"
              f"  after (cached) {row['build'][2]}")  # fmt: skip
        print(f"  read_menu               before {row['read_menu'][0]} ({row['read_menu_chars'][0]:,} chars)"
              f"  after (a page) {row['read_menu'][1]} ({row['read_menu_chars'][1]:,} chars)")  # fmt: skip
        print(f"  item match              before {row['match'][0]}  after {row['match'][1]}")
        print(f"  faq search              before {row['faq'][0]}  after {row['faq'][1]}")
        print(f"  menu search (new)                              after {row['search']}")
        print(f"  order_review (2 lines)                         after {row['review']}", flush=True)


def _first_page(business: Business) -> str:
    from orders.models import MenuCategory

    category = MenuCategory.objects.filter(business=business, name="Pizze").first()
    return menu_page(business, category=category, page=1).text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=50, help="runs of each lookup per phrasing (default: 50)")
    options = parser.parse_args()
    with own_database("_agentbench"):
        run(options)


if __name__ == "__main__":
    main()
