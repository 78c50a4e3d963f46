"""Tools for questions: hours, address, open now, frequent questions."""

from __future__ import annotations

from livekit.agents import RunContext, function_tool

from restaurants.selectors import business_info, faq_search
from telephony.agent.tools._base import call, text

ANSWER_CHARS = 400


@function_tool
async def restaurant_info(context: RunContext) -> str:
    """The restaurant's address, phone, whether it is open now, this week's hours and closures ahead."""
    return await call(context, lambda: business_info(context.userdata.business()).as_text())


@function_tool
async def search_faq(context: RunContext, question: str) -> str:
    """Look up the restaurant's answers to frequent questions (parking, dogs, allergens, payment...).

    Args:
        question: the caller's question in a few words.
    """

    def find() -> str:
        entries = faq_search(context.userdata.business(), text(question))
        if not entries:
            return "No prepared answer for that; say you are not sure, and offer to transfer or take a message."
        # Answers are clipped so a result stays short enough to speak.
        return "\n".join(f"Q: {e.question}\nA: {e.answer[:ANSWER_CHARS]}" for e in entries)

    return await call(context, find)
