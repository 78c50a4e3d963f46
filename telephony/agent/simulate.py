"""The whole call path in text, without LiveKit: route, admit, converse with the real tools, end."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from channels.db import database_sync_to_async
from livekit.agents import AgentSession, llm

from panbot.tenancy import runs_platform_wide
from telephony.agent.agent import build_agent
from telephony.agent.inbound import InboundCall
from telephony.agent.runner import CallOutcome, CallRunner, Timing
from telephony.agent.sessions import TextSessions
from telephony.models import CallRecord

_calls = itertools.count(1)


class PrintingControl:
    """Stands in for LiveKit: says what would happen to the call."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    async def hang_up(self, *, room_name: str) -> None:
        self.write("[call closed]")

    async def transfer(self, *, room_name: str, participant_identity: str, to: str) -> None:
        self.write(f"[transferred to {to}]")


@dataclass
class Summary:
    outcome: CallOutcome
    record: CallRecord


async def simulate_call(
    *,
    to: str,
    caller: str,
    model: llm.LLM,
    caller_lines: Iterable[str] | AsyncIterator[str],
    write: Callable[[str], None],
    diversion: str | None = None,
) -> Summary:
    """Run one call through the real admission, agent and tools, with `model` answering in text."""
    sequence = f"{next(_calls)}-{id(model):x}"
    inbound = InboundCall(
        called=to,
        caller=caller,
        sip_call_id=f"simulated-{sequence}",
        room_name=f"call-simulated-{sequence}",
        participant_identity=f"sip_{caller}",
        diversion=diversion,
    )
    runner = CallRunner(
        inbound=inbound,
        control=PrintingControl(write),
        sessions=TextSessions(model),
        agent_factory=build_agent,
        # A simulation has no audio, so no silence; the lease still runs as in production.
        timing=Timing(heartbeat_seconds=5, silence_seconds=3600),
        worker_id="simulate_call",
        on_session=lambda session: _echo(session, write),
    )
    outcome = await runner.run()
    admission = outcome.admission
    if not admission.admitted:
        write(f"Rejected: {admission.reason}.")
    else:
        try:
            async for line in _each(caller_lines):
                if runner.finished.is_set():
                    break
                write(f"Caller: {line}")
                try:
                    await runner.session.run(user_input=line)
                except RuntimeError:
                    if not runner.ending:
                        raise  # the session closing under a run is expected only when the call is ending
                await asyncio.sleep(0)
        except BaseException:
            # A script that ran out or a failing model: the call still ends and frees its slot.
            await runner.end(CallRecord.Reason.ERROR)
            raise
        await runner.end(CallRecord.Reason.CALLER_HANGUP)  # the caller hangs up (a no-op if the call ended)
    record = await database_sync_to_async(_record)(admission.call_record_id)
    return Summary(outcome, record)


@runs_platform_wide
def _record(call_record_id: int) -> CallRecord:
    # By call id, like the rest of the call path: a call to an unknown number has no business.
    return CallRecord.objects.get(pk=call_record_id)


def _echo(session: AgentSession, write: Callable[[str], None]) -> None:
    """Print the conversation as it happens: what the agent says and the tools it uses."""

    def on_item(event) -> None:
        item = event.item
        if getattr(item, "type", None) == "message" and item.role == "assistant" and item.text_content:
            write(f"Agent: {item.text_content}")

    def on_tools(event) -> None:
        for call, output in event.zipped():
            result = output.output if output is not None else ""
            marker = "refused" if output is not None and output.is_error else "->"
            write(f"  [tool {call.name}({call.arguments}) {marker} {result}]")

    session.on("conversation_item_added", on_item)
    session.on("function_tools_executed", on_tools)


async def _each(lines: Iterable[str] | AsyncIterator[str]) -> AsyncIterator[str]:
    if hasattr(lines, "__aiter__"):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


async def stdin_lines(prompt: str = "Caller> ") -> AsyncIterator[str]:
    """Caller lines typed at the terminal, until an empty line or end of input.

    Read in a thread, so the call's heartbeat keeps its slot while the person types.
    """
    while True:
        try:
            line = await asyncio.to_thread(input, prompt)
        except EOFError:
            return
        if not line.strip():
            return
        yield line.strip()
