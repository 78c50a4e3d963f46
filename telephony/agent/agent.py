"""The restaurant's voice agent: its instructions and its tools, for one admitted call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.utils import timezone
from livekit.agents import Agent

from orders.selectors import menu_as_text
from restaurants.models import Business
from restaurants.selectors import business_info, faq_list
from telephony.agent import tools

if TYPE_CHECKING:
    from telephony.agent.runner import CallRunner
    from telephony.services import Admission


@dataclass
class CallContext:
    """What the tools know about the call they serve (the session's userdata)."""

    runner: CallRunner
    business_id: int
    call_record_id: int
    caller_number: str
    transfer_number: str
    # The order being built: lines as order services take them, plus the names read back.
    cart: list[dict[str, Any]] = field(default_factory=list)
    # The pickup time and the fingerprint of the cart the caller last heard read back.
    pickup_at: datetime | None = None
    reviewed: str | None = None
    # Orders placed on this call (cart fingerprint -> order id), and bookings cancelled on it:
    # both start a new idempotency key, so a deliberate second order or booking is not a replay.
    placed: dict[str, int] = field(default_factory=dict)
    cancellations: int = 0

    def business(self) -> Business:
        return Business.objects.get(pk=self.business_id)


LANGUAGE_NAMES = {"it": "Italian", "en": "English", "de": "German", "fr": "French", "es": "Spanish",
                  "pt": "Portuguese", "nl": "Dutch", "ja": "Japanese", "zh": "Chinese"}  # fmt: skip


def build_instructions(*, business: Business, config: Any, caller_number: str, now=None) -> str:
    """The system prompt: who the agent is, what it knows today, and what it may and may not do."""
    info = business_info(business, now=now or timezone.now())
    language = LANGUAGE_NAMES.get(config.language, config.language)
    others = [LANGUAGE_NAMES.get(code, code) for code in business.other_languages if code != config.language]
    faq = faq_list(business)
    parts = [
        f"You answer the phone for {business.name}, a restaurant. You are friendly, brief and clear: "
        "this is a phone call, so use short spoken sentences, no lists, no markdown, no emojis.",
        f"Speak {language}."
        + (f" If the caller speaks {' or '.join(others)}, answer in that language." if others else ""),
        "Today and the restaurant's facts (its time zone):\n" + info.as_text(),
        "The menu (only what can be ordered today; prices in " + business.currency + "):\n" + menu_as_text(business),
    ]
    if faq:
        parts.append("Frequent questions:\n" + "\n".join(f"- {e.question} {e.answer}" for e in faq))
    parts.append(
        "What you can do, always through your tools, never from memory: take pickup orders (add items, then "
        "review the order aloud with items, options, total and pickup time, and place it only after the caller "
        "clearly says yes); tell a caller the status of their order; check availability, book, find and cancel "
        "table reservations; answer questions about the restaurant."
        + (" You can transfer the caller to a member of staff." if config.transfer_number else "")
        + f"\nThe caller's number is {caller_number or 'unknown'}; never ask for it."
        + "\nNever invent items, prices, times or availability; if a tool refuses something, tell the caller "
        "why in a short sentence and offer an alternative. You cannot take payments, change prices, promise "
        "discounts, or guarantee anything about allergens beyond what the menu and the staff say. "
        "When the caller is done, say goodbye and then use end_call."
    )
    if config.system_prompt:
        parts.append("Instructions from the restaurant:\n" + config.system_prompt)
    return "\n\n".join(parts)


async def build_agent(admission: Admission, runner: CallRunner) -> Agent:
    """The agent for an admitted call; also sets the session's userdata the tools read."""
    config = admission.config

    def prepare() -> str:
        business = Business.objects.get(pk=admission.business_id)
        return build_instructions(business=business, config=config, caller_number=admission.caller_number)

    instructions = await database_sync_to_async(prepare)()
    runner.session.userdata = CallContext(
        runner=runner,
        business_id=admission.business_id,
        call_record_id=admission.call_record_id,
        caller_number=admission.caller_number,
        transfer_number=config.transfer_number,
    )
    return Agent(instructions=instructions, tools=tools.ALL)
