"""One call from admission to hang-up: the lifecycle the LiveKit entrypoint and simulate_call share.

The runner admits the call, answers it (or turns it away the way the number says),
keeps its slot's lease alive, and ends it exactly once however it ends: caller or
agent hang-up, transfer, the SIP leg dropping, silence, maximum duration, a failing
tool or provider, or the slot being reclaimed. Ending always records the transcript
and usage through `call_end`, then hangs up the room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.db import database_sync_to_async
from livekit import rtc
from livekit.agents import Agent, AgentSession

from restaurants.agent_config import OverflowAction
from telephony import selectors, services
from telephony.agent import phrases
from telephony.agent.control import CallControl, TransferFailed
from telephony.agent.inbound import InboundCall
from telephony.models import CallRecord

logger = logging.getLogger(__name__)
Reason = CallRecord.Reason

# LiveKit's SIP bridge leaves with CLIENT_INITIATED when the caller hangs up (SIP BYE);
# every other reason (trunk or media failure, timeouts, signalling loss) is the line dropping.
_CALLER_HANGUP_REASONS = {rtc.DisconnectReason.CLIENT_INITIATED}
# Seconds the goodbye / apology may take to play before the room is closed regardless.
GOODBYE_TIMEOUT = 10.0


class Sessions(Protocol):
    """Builds the AgentSession for a call (live audio in production, text in tests and simulate_call)."""

    def for_call(self, admission: services.Admission) -> AgentSession: ...

    def for_message(self, admission: services.Admission) -> AgentSession: ...

    async def start(self, session: AgentSession, agent: Agent) -> None: ...


@dataclass
class Timing:
    heartbeat_seconds: float
    silence_seconds: float
    # Length of a "minute" for max_call_minutes; tests shorten it.
    minute_seconds: float = 60.0


@dataclass
class CallOutcome:
    """What became of the call: for logs, simulate_call and tests."""

    admission: services.Admission | None = None
    reason: str | None = None
    record: CallRecord | None = None
    transferred_to: str | None = None
    # Milliseconds from the caller joining the room: admission done, agent built, session started,
    # greeting handed to speech (our own latency, before any provider), greeting played out.
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int | None = None
    prompt_cached: bool | None = None  # whether the business's prompt came from the cache


class CallRunner:
    """The lifecycle of one inbound call.

    Every ending runs as one task, `_end_task`, started by the first of them (a hang-up,
    a timer, a tool, the job shutting down); later endings wait for it. Nothing that can
    be cancelled (a timer, a turn) awaits the ending inline, so an ending once begun
    always finishes: the record is completed, the room closed, the job released.
    """

    def __init__(
        self,
        *,
        inbound: InboundCall,
        control: CallControl,
        sessions: Sessions,
        agent_factory: Callable[[services.Admission, CallRunner], Awaitable[Agent]],
        timing: Timing,
        worker_id: str = "",
        on_finished: Callable[[], Any] | None = None,
        on_session: Callable[[AgentSession], Any] | None = None,
        joined_at: float | None = None,
    ) -> None:
        self.inbound = inbound
        self.control = control
        self.sessions = sessions
        self.agent_factory = agent_factory
        self.timing = timing
        self.worker_id = worker_id
        self.on_finished = on_finished
        self.on_session = on_session  # sees each session before it starts (simulate_call prints from it)
        # time.monotonic() when the caller's participant joined (the entrypoint's clock starts there).
        self.joined_at = time.monotonic() if joined_at is None else joined_at
        self.session: AgentSession | None = None
        self.outcome = CallOutcome()
        self.finished = asyncio.Event()
        self._end_task: asyncio.Task | None = None
        self._admission_done = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._silence_task: asyncio.Task | None = None
        self._participant_gone = False
        self._transferring = False
        self._left_during_transfer: str | None = None

    # --- start ---------------------------------------------------------------------------
    async def run(self) -> CallOutcome:
        """Admit the call and either answer it or turn it away; returns once the call is under way or over."""
        try:
            admission = await database_sync_to_async(_admit)(self.inbound, self.worker_id)
            self._mark("admitted")
        except Exception:
            # The caller must not be left ringing: close the room (the lease frees any slot taken).
            logger.exception("call %s: admission failed", self.inbound.sip_call_id)
            self._admission_done.set()
            await self.end(Reason.ERROR)
            return self.outcome
        self.outcome.admission = admission
        self._admission_done.set()
        if self.ending:  # the caller hung up while we were admitting: that ending records it
            await asyncio.shield(self._end_task)
            return self.outcome
        if not admission.admitted:
            await self._begin_ending(self._turn_away(admission))
            return self.outcome
        try:
            await self._answer(admission)
        except Exception:
            logger.exception("call %s: could not start the agent", self.inbound.sip_call_id)
            await self.end(Reason.ERROR)
        return self.outcome

    async def _answer(self, admission: services.Admission) -> None:
        config = admission.config
        session = self.sessions.for_call(admission)
        self.session = session
        if self.on_session is not None:
            self.on_session(session)
        session.on("user_state_changed", self._on_user_state)
        session.on("error", self._on_session_error)
        session.on("close", self._on_session_close)
        agent = await self.agent_factory(admission, self)
        self._mark("agent_ready")
        if self.ending:  # ended while the agent was being prepared: do not start it
            return
        await self.sessions.start(session, agent)
        self._mark("session_started")
        if self.ending:
            return
        self._spawn(self._heartbeat_loop(), "heartbeat")
        self._spawn(self._max_duration(config.max_call_minutes * self.timing.minute_seconds), "max-duration")
        if config.greeting:
            greeting = session.say(config.greeting)
        else:
            greeting = session.generate_reply(instructions=phrases.GREET_INSTRUCTIONS)
        self._mark("greeting_started")
        await greeting.wait_for_playout()
        self._mark("greeting_spoken")
        t = self.outcome.timings
        logger.info(
            "call %s: greeting started %.0f ms after the caller joined (admitted at %.0f, agent ready at %.0f, "
            "session started at %.0f); spoken by %.0f ms",
            self.inbound.sip_call_id, t["greeting_started"], t["admitted"], t["agent_ready"], t["session_started"],
            t["greeting_spoken"],
        )  # fmt: skip

    async def _turn_away(self, admission: services.Admission) -> None:
        """Busy (close before any audio: LiveKit SIP answers 486), a spoken message, or a transfer."""
        config = admission.config
        action = config.overflow_action if config is not None else OverflowAction.BUSY
        busy = admission.reason in {Reason.NUMBER_BUSY, Reason.BUSINESS_BUSY}
        self.outcome.reason = admission.reason
        try:
            if busy and action == OverflowAction.TRANSFER and config.transfer_number:
                try:
                    await self.control.transfer(
                        room_name=self.inbound.room_name,
                        participant_identity=self.inbound.participant_identity,
                        to=config.transfer_number,
                    )
                    self.outcome.transferred_to = config.transfer_number
                except TransferFailed as exc:
                    logger.warning("call %s: overflow transfer failed: %s", self.inbound.sip_call_id, exc)
            elif busy and action == OverflowAction.MESSAGE:
                message = config.overflow_message or phrases.lines_busy(config.language)
                session = self.sessions.for_message(admission)
                self.session = session
                if self.on_session is not None:
                    self.on_session(session)
                await self.sessions.start(session, Agent(instructions=""))
                await self._say_and_wait(message)
                with contextlib.suppress(Exception):
                    await session.aclose()
        except Exception:
            logger.exception("call %s: could not turn the call away politely", self.inbound.sip_call_id)
        finally:
            await self._hang_up()
            self._finish()

    def _mark(self, moment: str) -> None:
        self.outcome.timings[moment] = round((time.monotonic() - self.joined_at) * 1000, 1)

    # --- while the call lives ------------------------------------------------------------------
    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.timing.heartbeat_seconds)
            try:
                alive = await database_sync_to_async(services.call_heartbeat)(
                    active_call_id=self.outcome.admission.active_call_id
                )
            except Exception:
                # A database blip must not drop a caller; the lease outlives a few missed beats.
                logger.warning("call %s: heartbeat failed", self.inbound.sip_call_id, exc_info=True)
                continue
            if not alive:
                logger.warning("call %s: slot was reclaimed; ending the call", self.inbound.sip_call_id)
                self.request_end(Reason.SLOT_LOST, goodbye=phrases.sorry_must_end(self.language))
                return

    async def _max_duration(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.request_end(Reason.MAX_DURATION, goodbye=phrases.time_is_up(self.language))

    def _on_user_state(self, event: Any) -> None:
        if self.ending:
            return
        if event.new_state == "away" and self._silence_task is None:
            # Ask once; if the caller stays silent as long again, end the call.
            self.session.generate_reply(instructions=phrases.STILL_THERE_INSTRUCTIONS)
            self._silence_task = self._spawn(self._silence_deadline(), "silence")
        elif event.new_state in {"speaking", "listening"} and self._silence_task is not None:
            self._silence_task.cancel()
            self._silence_task = None

    async def _silence_deadline(self) -> None:
        await asyncio.sleep(self.timing.silence_seconds)
        self.request_end(Reason.SILENCE, goodbye=phrases.goodbye_silence(self.language))

    def _on_session_error(self, event: Any) -> None:
        # LiveKit has already retried the provider; an unrecoverable error means this call
        # cannot go on well, so it ends on the first one with an apology.
        if not getattr(event.error, "recoverable", True):
            logger.error("call %s: unrecoverable %s error", self.inbound.sip_call_id, type(event.error).__name__)
            self.request_end(Reason.ERROR, goodbye=phrases.sorry_problem(self.language))

    def _on_session_close(self, event: Any) -> None:
        # We close the session only while ending; any other close (LiveKit shutting the job
        # down, a provider failure) cut the call short.
        self.request_end(Reason.ERROR)

    def on_participant_left(self, participant: rtc.RemoteParticipant) -> None:
        """Room event: the caller's SIP leg is gone, for whatever reason LiveKit gives."""
        if participant.identity != self.inbound.participant_identity:
            return
        self._participant_gone = True
        hung_up = participant.disconnect_reason in _CALLER_HANGUP_REASONS
        reason = Reason.CALLER_HANGUP if hung_up else Reason.LINE_DROPPED
        if self._transferring:
            # A transferred SIP leg leaves the room too; the transfer's outcome decides.
            self._left_during_transfer = reason
            return
        self.request_end(reason)

    async def on_job_shutdown(self, reason: str = "") -> None:
        """Job shutdown callback: waits for the call's ending; a call nothing else ended was cut short (failed)."""
        await self.end(Reason.ERROR)

    # --- what tools ask for ------------------------------------------------------------------
    @property
    def ending(self) -> bool:
        return self._end_task is not None

    @property
    def language(self) -> str:
        admission = self.outcome.admission
        return admission.config.language if admission and admission.config else "en"

    async def transfer_to_staff(self, to: str) -> None:
        """Transfer the caller (raises TransferFailed); on success the call ends as `transferred`."""
        self._transferring = True
        try:
            await self.control.transfer(
                room_name=self.inbound.room_name, participant_identity=self.inbound.participant_identity, to=to
            )
        except TransferFailed:
            if self._left_during_transfer is not None:
                self.request_end(self._left_during_transfer)
            raise
        finally:
            self._transferring = False
        self.outcome.transferred_to = to
        self.request_end(Reason.TRANSFERRED)

    def fail(self, exc: BaseException) -> None:
        """A tool failed unexpectedly: apologise and end the call cleanly."""
        logger.error("call %s: tool failed", self.inbound.sip_call_id, exc_info=exc)
        self.request_end(Reason.ERROR, goodbye=phrases.sorry_problem(self.language))

    def request_end(self, reason: str, *, goodbye: str | None = None) -> asyncio.Task:
        """Start ending the call (the first request wins); returns the ending, without waiting for it."""
        return self._begin_ending(self._end(reason, goodbye=goodbye))

    async def end(self, reason: str, *, goodbye: str | None = None) -> None:
        """End the call and wait until it is over (or wait for the ending already under way)."""
        await asyncio.shield(self.request_end(reason, goodbye=goodbye))

    # --- the one way out ----------------------------------------------------------------------
    def _begin_ending(self, ending: Coroutine[Any, Any, None]) -> asyncio.Task:
        if self._end_task is None:
            self._end_task = asyncio.create_task(ending, name="call-end")
        else:
            ending.close()  # another ending is under way; this one never runs
        return self._end_task

    async def _end(self, reason: str, *, goodbye: str | None) -> None:
        await self._admission_done.wait()  # a hang-up during admission ends what admission took
        admission = self.outcome.admission
        self.outcome.reason = reason if admission is None or admission.admitted else admission.reason
        for task in list(self._tasks):
            task.cancel()
        session = self.session
        if goodbye and session is not None and not self._participant_gone:
            await self._say_and_wait(goodbye)
        if session is not None:
            # Closing first lets a tool that is finishing (end_call, a transfer) land in the history.
            with contextlib.suppress(Exception):
                await session.aclose()
        transcript, usage = _transcript(session), _usage(session)
        if admission is not None and admission.admitted:
            try:
                self.outcome.record = await database_sync_to_async(services.call_end)(
                    active_call_id=admission.active_call_id,
                    call_record_id=admission.call_record_id,
                    reason=reason,
                    transcript=transcript,
                    usage=usage,
                )
            except Exception:
                # The reaper frees the slot after the lease; the room must still close.
                logger.exception("call %s: could not record the end of the call", self.inbound.sip_call_id)
        await self._hang_up()
        self._finish()

    async def _say_and_wait(self, text: str) -> None:
        try:
            handle = self.session.say(text, allow_interruptions=False)
            await asyncio.wait_for(handle.wait_for_playout(), GOODBYE_TIMEOUT)
        except Exception:
            logger.warning("call %s: could not say %r", self.inbound.sip_call_id, text[:40], exc_info=True)

    async def _hang_up(self) -> None:
        try:
            await self.control.hang_up(room_name=self.inbound.room_name)
        except Exception:
            logger.warning("call %s: could not close room %s", self.inbound.sip_call_id, self.inbound.room_name,
                           exc_info=True)  # fmt: skip

    def _finish(self) -> None:
        self.finished.set()
        if self.on_finished is not None:
            self.on_finished()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _admit(inbound: InboundCall, worker_id: str) -> services.Admission:
    # The trunk's region reads national numbers the way that PBX presents them. Numbers in
    # international form need no region, so the usual call (LiveKit passes E.164) costs no
    # extra round trip on the admission path.
    numbers = (inbound.called, inbound.caller, inbound.diversion)
    national = any(value and "+" not in value for value in numbers)
    trunk = selectors.trunk_for_livekit_id(inbound.trunk_id) if inbound.trunk_id and national else None
    return services.call_admit(
        called=inbound.called,
        caller=inbound.caller,
        sip_call_id=inbound.sip_call_id,
        room_name=inbound.room_name,
        diversion=inbound.diversion,
        worker_id=worker_id,
        trunk=trunk,
        trunk_id=inbound.trunk_id,
    )


def _transcript(session: AgentSession | None) -> list[dict[str, Any]]:
    """The conversation as the owner should read it: who said what, and what the agent did."""
    if session is None:
        return []
    lines: list[dict[str, Any]] = []
    for item in session.history.items:
        if item.type == "message" and item.role in {"user", "assistant"}:
            text = item.text_content or ""
            if text:
                lines.append({"role": "caller" if item.role == "user" else "agent", "text": text})
        elif item.type == "function_call":
            lines.append({"role": "tool", "name": item.name, "arguments": item.arguments})
        elif item.type == "function_call_output":
            lines.append({"role": "tool_result", "name": item.name, "text": item.output, "error": item.is_error})
    return lines


def _usage(session: AgentSession | None) -> dict[str, Any]:
    if session is None:
        return {}
    try:
        usage = session.usage
    except Exception:  # usage is informative; never let it cost the call record
        return {}
    models = []
    for entry in getattr(usage, "model_usage", []) or []:
        data = entry.model_dump() if hasattr(entry, "model_dump") else dict(vars(entry))
        models.append({k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None})
    return {"models": models}
