"""The agent's system prompt: bounded in tokens for any menu, built once per business version, cached.

The prompt says who the agent is, the restaurant's name, address, today's date and hours in
its zone, the rules, and a compact menu outline (categories, a few best sellers, what is sold
out today). Items, options, prices, allergens and the FAQ come from tools (search_menu,
read_menu, search_faq), so the prompt stays within AGENT_PROMPT_MAX_TOKENS, counted with the
LLM's tokenizer (bpe-openai: tiktoken's encodings, shipped in the wheel, no download).

The part that depends only on the business, its configuration and the date is cached in
Django's cache under a key carrying the business's knowledge version (bumped with every
menu, FAQ, hours or settings change, in the change's transaction), so every process sees a
change when it commits; the time now and the caller's number are appended per call.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import bpe_openai
from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils import timezone

from orders.selectors import MenuOutline, menu_outline, order_settings_get
from panbot.phone import format_international
from restaurants.models import Business
from restaurants.selectors import business_info, faq_list, knowledge_version

logger = logging.getLogger(__name__)

# Tokens kept free for the per-call lines (the time now, the caller's number).
CALL_LINES_TOKENS = 60
# The restaurant's own instructions may take at most this share of the budget; the outline
# and the rules come first.
OWNER_SHARE = 0.4
# FAQ questions (not answers) named in the prompt, so the model knows to look them up.
FAQ_TOPICS_MAX = 12
CACHE_SECONDS = 24 * 3600  # the key changes with the date anyway

LANGUAGE_NAMES = {"it": "Italian", "en": "English", "de": "German", "fr": "French", "es": "Spanish",
                  "pt": "Portuguese", "nl": "Dutch", "ja": "Japanese", "zh": "Chinese"}  # fmt: skip


@cache
def _encoding() -> bpe_openai.Encoding:
    try:
        return bpe_openai.encoding_for_model(settings.LLM_MODEL)
    except Exception:  # a self-hosted or newer model: o200k_base is the current OpenAI encoding
        return bpe_openai.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    """Tokens `text` costs the LLM (its own tokenizer, offline)."""
    return len(_encoding().encode_ordinary(text))


def warm_tokenizer() -> None:
    """Load the tokenizer's tables now (about 70 ms), not during a call's first prompt."""
    count_tokens("warm")


def _clip(text: str, max_tokens: int) -> str:
    """`text` cut to `max_tokens` tokens (on a line or word boundary when it is cut)."""
    tokens = _encoding().encode_ordinary(text)
    if len(tokens) <= max_tokens:
        return text
    if max_tokens <= 0:
        return ""
    cut = _encoding().decode(tokens[:max_tokens])
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut else cut.rsplit(" ", 1)[0]
    return cut.rstrip() + " …"


def _listed(label: str, names: list[str], max_tokens: int) -> str:
    """ "label: a, b, c and 12 more." within `max_tokens`; "" when not even the label fits."""
    for shown in range(len(names), -1, -1):
        rest = len(names) - shown
        text = f"{label}: {', '.join(names[:shown])}" + (f" and {rest} more" if rest else "") + "."
        if shown == 0:
            text = f"{label}: {len(names)} items."
        if count_tokens(text) <= max_tokens:
            return text
        if shown > 8:  # long lists: halve instead of trying every length
            names = names[: max(8, shown // 2) + 1]
    return ""


def _outline_text(outline: MenuOutline, faq_topics: list[str], taking_orders: bool, max_tokens: int) -> str:
    head = (
        f"Menu outline (prices in {outline.currency}). Items, prices, options and allergens are NOT here: "
        "always look them up with search_menu (by name, category, ingredient, diet or allergen) or "
        "read_menu (a category, page by page) before you name a price or take an item."
    )
    if not taking_orders:
        head += " The restaurant is not taking phone orders at the moment."
    parts = [head]
    budget = max_tokens - count_tokens(head) - 4
    sections = [
        ("Categories", [f"{name} ({size})" for name, size in outline.categories]),
        ("Sold out today", outline.sold_out),
        ("Popular", outline.best_sellers),
        ("Prepared answers exist for (use search_faq)", faq_topics),
    ]
    for label, names in sections:
        if not names:
            continue
        # Each section may take what is left, but leaves room for those after it.
        later = sum(1 for _label, n in sections[sections.index((label, names)) + 1 :] if n)
        share = budget if later == 0 else max(budget // 2, 40)
        text = _listed(label, names, min(share, budget))
        if text:
            parts.append(text)
            budget -= count_tokens(text) + 1
    return "\n".join(parts)


def _rules(config: Any) -> str:
    return (
        "What you can do, always through your tools, never from memory: take pickup orders (find items with "
        "search_menu, add them, then review the order aloud with items, options, total and pickup time, and "
        "place it only after the caller clearly says yes); tell a caller the status of their order; check "
        "availability, book, find and cancel table reservations; answer questions about the restaurant "
        "(restaurant_info for hours and closures, search_faq for everything else)."
        + (" You can transfer the caller to a member of staff." if config.transfer_number else "")
        + "\nNever invent items, prices, times or availability; if a tool refuses something, tell the caller "
        "why in a short sentence and offer an alternative. You cannot take payments, change prices, promise "
        "discounts, or guarantee anything about allergens beyond what the menu and the staff say. "
        "When the caller is done, say goodbye and then use end_call."
    )


def _config_key(config: Any) -> str:
    data = json.dumps(
        [config.language, config.system_prompt, bool(config.transfer_number), settings.AGENT_PROMPT_MAX_TOKENS,
         settings.LLM_MODEL],
    )  # fmt: skip
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Prompt:
    """The cached part of the prompt and what it cost to build."""

    text: str
    tokens: int
    build_ms: float
    cached: bool


def _build(business: Business, config: Any, now: datetime) -> str:
    budget = settings.AGENT_PROMPT_MAX_TOKENS - CALL_LINES_TOKENS
    info = business_info(business, now=now)
    language = LANGUAGE_NAMES.get(config.language, config.language)
    others = [LANGUAGE_NAMES.get(code, code) for code in business.other_languages if code != config.language]
    facts = [business.name]
    if info.address:
        facts.append(f"Address: {info.address}")
    if info.phone:
        facts.append(f"Phone: {format_international(info.phone)}")
    facts.append(f"Today is {info.now:%A %d %B %Y} ({info.timezone}). Hours today: {info.today.as_text()}.")
    facts.append(f"Tomorrow: {info.week[1].as_text()}. For other days and closures use restaurant_info.")
    also = f" If the caller speaks {' or '.join(others)}, answer in that language." if others else ""
    core = [
        f"You answer the phone for {business.name}, a restaurant. You are friendly, brief and clear: "
        "this is a phone call, so use short spoken sentences, no lists, no markdown, no emojis.",
        f"Speak {language}.{also}",
        "The restaurant's facts (its time zone):\n" + "\n".join(facts),
        _rules(config),
    ]
    core_text = "\n\n".join(core)
    left = budget - count_tokens(core_text) - 4
    owner = ""
    if config.system_prompt:
        owner = "Instructions from the restaurant:\n" + _clip(config.system_prompt, int(budget * OWNER_SHARE))
        owner = _clip(owner, max(0, left - 200))
        if owner != "Instructions from the restaurant:\n" + config.system_prompt:
            logger.warning("business %s: its agent instructions were cut to fit the prompt budget", business.pk)
        left -= count_tokens(owner) + 2
    settings_row = order_settings_get(business)
    taking_orders = settings_row is not None and settings_row.accepting_orders
    faq_topics = [e.question for e in faq_list(business)[:FAQ_TOPICS_MAX]]
    outline = _outline_text(menu_outline(business), faq_topics, taking_orders, left)
    parts = [core[0], core[1], core[2], outline, core[3]]
    if owner:
        parts.append(owner)
    text = "\n\n".join(parts)
    # The sections are fitted one by one; the whole is checked once more, so the budget is a guarantee.
    return _clip(text, budget)


def business_prompt(business: Business, config: Any, *, now: datetime | None = None) -> Prompt:
    """The business part of the prompt, from the cache or built (and cached) now."""
    now = now or timezone.now()
    local_day = now.astimezone(business.tz).date()
    key = (
        f"agent-prompt:{business.pk}:{business.created_at.timestamp()}:{knowledge_version(business)}:"
        f"{local_day.isoformat()}:{_config_key(config)}"
    )
    started = time.perf_counter()
    stored = django_cache.get(key)
    cached = stored is not None
    if stored is None:
        text = _build(business, config, now)
        stored = (text, count_tokens(text))
        django_cache.set(key, stored, CACHE_SECONDS)
    text, tokens = stored
    return Prompt(text=text, tokens=tokens, build_ms=(time.perf_counter() - started) * 1000, cached=cached)


def call_lines(business: Business, caller_number: str, now: datetime) -> str:
    """What changes every call: the time now, whether the restaurant is open, the caller's number."""
    local = now.astimezone(business.tz)
    return (
        f"Now: {local:%A %d %B %Y %H:%M} ({business.timezone})."
        f"\nThe caller's number is {caller_number or 'unknown'}; never ask for it."
    )


def build_instructions(*, business: Business, config: Any, caller_number: str, now: datetime | None = None) -> str:
    """The system prompt for one call: the cached business part and this call's lines, within the budget."""
    now = now or timezone.now()
    return business_prompt(business, config, now=now).text + "\n\n" + call_lines(business, caller_number, now)
