"""A restaurant ready to take calls, and a harness that runs one call in text against it."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async

from restaurants.models import FaqEntry
from telephony.agent.agent import build_agent
from telephony.agent.control import LiveKitCallControl
from telephony.agent.inbound import InboundCall
from telephony.agent.runner import CallRunner, Timing
from telephony.agent.scripted import ScriptedLLM, ToolCall
from telephony.agent.sessions import TextSessions
from telephony.models import ActiveCall, CallRecord

ORDERS_NUMBER = "+390551234567"
CALLER = "+393331112222"
STAFF = "+390552100001"
_rooms = itertools.count(1)


@pytest.fixture
def restaurant(business, menu, taking_orders, taking_bookings, make_number, at):
    """Trattoria Da Mario on Saturday 13 June 2026 at 18:00 in Rome (it opens at 19:00)."""
    at(2026, 6, 13, 18, 0)
    business.transfer_number = STAFF
    business.other_languages = ["en"]
    business.save()
    FaqEntry.objects.create(business=business, question="Do you have parking?", answer="Yes, free parking behind us.")
    number = make_number(
        ORDERS_NUMBER, business=business, label="Orders", max_concurrent_calls=2,
        config_override={"greeting": "Trattoria Da Mario, ordini: cosa le preparo?"},
    )  # fmt: skip
    return SimpleNamespace(business=business, number=number, menu=menu)


class Call:
    """One call run through the real runner, agent and tools, with a scripted model, in text."""

    def __init__(self, fake_livekit, steps, *, called=ORDERS_NUMBER, caller=CALLER, timing=None, diversion=None):
        n = next(_rooms)
        self.room_name = f"call-test-{n}"
        fake_livekit.rooms.add(self.room_name)
        self.fake_livekit = fake_livekit
        self.llm = ScriptedLLM(steps)
        self.inbound = InboundCall(
            called=called, caller=caller, sip_call_id=f"SCL_test_{n}", room_name=self.room_name,
            participant_identity=f"sip_{caller}", diversion=diversion,
        )  # fmt: skip
        self.runner = CallRunner(
            inbound=self.inbound,
            control=LiveKitCallControl.from_settings(),
            sessions=TextSessions(self.llm),
            agent_factory=build_agent,
            timing=timing or Timing(heartbeat_seconds=30, silence_seconds=30),
            worker_id="test-worker",
        )

    async def start(self):
        return await self.runner.run()

    async def say(self, text: str):
        return await self.runner.session.run(user_input=text)

    async def hang_up(self) -> CallRecord:
        await self.runner.end(CallRecord.Reason.CALLER_HANGUP)
        return await self.record()

    async def record(self) -> CallRecord:
        return await database_sync_to_async(CallRecord.objects.get)(pk=self.runner.outcome.admission.call_record_id)

    async def slot_taken(self) -> bool:
        return await database_sync_to_async(ActiveCall.objects.filter(sip_call_id=self.inbound.sip_call_id).exists)()

    def room_closed(self) -> bool:
        return self.room_name not in self.fake_livekit.rooms


@pytest.fixture
def make_call(fake_livekit):
    def make(steps=(), **kwargs) -> Call:
        return Call(fake_livekit, steps, **kwargs)

    return make


def outputs(result) -> list[tuple[str, str, bool]]:
    """(tool, output, is_error) for every tool the model called in one turn."""
    return [(e.item.name, e.item.output, e.item.is_error) for e in result.events if e.type == "function_call_output"]


def said(result) -> list[str]:
    return [e.item.text_content for e in result.events if e.type == "message" and e.item.role == "assistant"]


def tool(tool_name: str, /, **arguments) -> ToolCall:
    return ToolCall(tool_name, arguments)


db = database_sync_to_async
