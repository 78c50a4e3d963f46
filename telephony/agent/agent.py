"""The restaurant's voice agent: its instructions and its tools, for one admitted call."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.utils import timezone
from livekit.agents import Agent

from panbot.tenancy import in_business_scope
from restaurants.models import Business
from telephony.agent import tools
from telephony.agent.prompt import Prompt, build_instructions, business_prompt, call_lines

__all__ = ["CallContext", "build_agent", "build_instructions"]

logger = logging.getLogger(__name__)

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
        # With its knowledge version: the tools' caches are keyed by it, at no extra query.
        return Business.objects.select_related("knowledge_version").get(pk=self.business_id)


async def build_agent(admission: Admission, runner: CallRunner) -> Agent:
    """The agent for an admitted call; also sets the session's userdata the tools read."""
    config = admission.config

    def prepare() -> tuple[str, Prompt]:
        business = Business.objects.select_related("knowledge_version").get(pk=admission.business_id)
        now = timezone.now()
        prompt = business_prompt(business, config, now=now)
        return prompt.text + "\n\n" + call_lines(business, admission.caller_number, now), prompt

    instructions, prompt = await database_sync_to_async(in_business_scope)(admission.business_id, prepare)
    runner.outcome.prompt_tokens, runner.outcome.prompt_cached = prompt.tokens, prompt.cached
    logger.info(
        "call %s: prompt of %d tokens %s in %.1f ms", runner.inbound.sip_call_id, prompt.tokens,
        "from the cache" if prompt.cached else "built", prompt.build_ms,
    )  # fmt: skip
    runner.session.userdata = CallContext(
        runner=runner,
        business_id=admission.business_id,
        call_record_id=admission.call_record_id,
        caller_number=admission.caller_number,
        transfer_number=config.transfer_number,
    )
    return Agent(instructions=instructions, tools=tools.ALL)
