"""LiveKit Agents worker: the functions LiveKit calls, at module level as its job processes require.

Job processes start from a forkserver and import this module by name, so it sets Django
up itself. The worker registers under AGENT_NAME for explicit dispatch (the dispatch rule
livekit_sync creates names it) and reports its load as calls in progress / AGENT_MAX_SESSIONS,
so LiveKit stops sending calls to a full worker.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
django.setup()

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from livekit import rtc  # noqa: E402
from livekit.agents import AgentServer, JobContext, JobProcess, JobRequest  # noqa: E402

from panbot.events import flush_pushes  # noqa: E402
from telephony import selectors  # noqa: E402
from telephony.agent import providers  # noqa: E402
from telephony.agent.agent import build_agent  # noqa: E402
from telephony.agent.control import LiveKitCallControl  # noqa: E402
from telephony.agent.inbound import inbound_call_from_attributes  # noqa: E402
from telephony.agent.prompt import warm_tokenizer  # noqa: E402
from telephony.agent.runner import CallRunner, Timing  # noqa: E402
from telephony.agent.sessions import LiveSessions  # noqa: E402

logger = logging.getLogger(__name__)

# Set by run_agent in the main process and inherited by job processes: the id calls are admitted under.
WORKER_ID_ENV = "PANBOT_WORKER_ID"


def worker_id() -> str:
    return os.environ.get(WORKER_ID_ENV, "")


# Speech and LLM plugins load with the worker module, so every job process has them before its
# call (LiveKit registers plugins on the main thread at import; ~0.7 s that a first call paid).
providers.preload()


def prewarm(proc: JobProcess) -> None:
    """Runs once per job process before it takes a call: everything a call would otherwise wait for."""
    providers.preload()  # no-op when the module import above already did it
    warm_tokenizer()
    # A job process may sit idle for a long while before its call: start it without stale connections.
    close_old_connections()


def load(server: AgentServer) -> float:
    """Calls in progress on this worker / AGENT_MAX_SESSIONS (LiveKit runs this off its event loop)."""
    jobs = len(server.active_jobs) / settings.AGENT_MAX_SESSIONS
    try:
        close_old_connections()
        admitted = selectors.worker_load(worker_id=worker_id())
    except Exception:  # the database being away must not stop the worker reporting
        logger.warning("could not read this worker's admitted calls", exc_info=True)
        admitted = 0.0
    return min(1.0, max(jobs, admitted))


async def on_request(request: JobRequest) -> None:
    await request.accept(name="PanBot", identity=f"panbot-agent-{request.job.id}")


async def entrypoint(ctx: JobContext) -> None:
    """One dispatched job = one call: wait for the caller's SIP leg, then run the call."""
    participant = await ctx.wait_for_participant(kind=rtc.ParticipantKind.PARTICIPANT_KIND_SIP)
    await run_call(
        ctx,
        participant,
        sessions=LiveSessions(room=ctx.room, participant_identity=participant.identity),
        control=LiveKitCallControl.from_settings(),
        joined_at=time.monotonic(),
    )


async def run_call(
    ctx: JobContext, participant: rtc.RemoteParticipant, *, sessions, control, joined_at: float | None = None
) -> CallRunner:
    """The entrypoint's work with its collaborators passed in (tests give text sessions and a fake LiveKit).

    `joined_at` (time.monotonic()) is when the caller's participant joined; the runner logs each
    call's time from there to its greeting (outcome.timings).
    """
    inbound = inbound_call_from_attributes(
        participant.attributes,
        room_name=ctx.room.name,
        participant_identity=participant.identity,
        job_metadata=ctx.job.metadata,
    )
    runner = CallRunner(
        inbound=inbound,
        control=control,
        sessions=sessions,
        agent_factory=build_agent,
        timing=Timing(
            heartbeat_seconds=settings.AGENT_HEARTBEAT_SECONDS, silence_seconds=settings.AGENT_SILENCE_SECONDS
        ),
        worker_id=worker_id(),
        on_finished=lambda: ctx.shutdown(reason="call ended"),
        joined_at=joined_at,
    )
    ctx.room.on("participant_disconnected", runner.on_participant_left)
    if participant.identity not in ctx.room.remote_participants:
        runner.on_participant_left(participant)  # gone before we were listening: nobody to answer
    ctx.add_shutdown_callback(runner.on_job_shutdown)

    async def hand_over_events(reason: str = "") -> None:
        # The job process exits without atexit: the call's last events must be pushed first.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runner.finished.wait(), 30)
        await asyncio.to_thread(flush_pushes)

    ctx.add_shutdown_callback(hand_over_events)
    await runner.run()
    return runner


def build_server() -> AgentServer:
    server = AgentServer(
        setup_fnc=prewarm,
        load_fnc=load,
        # Full at exactly AGENT_MAX_SESSIONS calls (LiveKit's test is load < threshold).
        load_threshold=1.0,
        ws_url=settings.LIVEKIT_URL,
        api_key=settings.LIVEKIT_API_KEY,
        api_secret=settings.LIVEKIT_API_SECRET,
    )
    server.rtc_session(entrypoint, agent_name=settings.AGENT_NAME, on_request=on_request)
    return server
