"""The LiveKit entrypoint against a fake room and a fake LiveKit API: admission, rejections, every ending."""

import asyncio
import contextlib
import itertools
import time

import pytest
from livekit import rtc
from livekit.agents.llm import LLMError
from livekit.agents.testing import fake_job_context
from livekit.agents.voice.events import ErrorEvent, UserStateChangedEvent

from restaurants.models import Business
from telephony import services
from telephony.agent import worker
from telephony.agent.control import LiveKitCallControl
from telephony.agent.scripted import ScriptedLLM
from telephony.agent.sessions import TextSessions
from telephony.models import ActiveCall, CallRecord, SipNumber
from tests.fakes.room import FakeRoom, sip_participant
from tests.telephony.agent.conftest import CALLER, ORDERS_NUMBER, STAFF, db, tool

pytestmark = pytest.mark.django_db(transaction=True)
_ids = itertools.count(1)


class Job:
    """One dispatched job: a fake room with the caller's SIP participant in it."""

    def __init__(self, fake_livekit, *, called=ORDERS_NUMBER, caller=CALLER, diversion=None, steps=(), metadata=""):
        n = next(_ids)
        self.room = FakeRoom(f"call-_{caller}_{n}")
        fake_livekit.rooms.add(self.room.name)
        self.fake_livekit = fake_livekit
        attributes = {"sip.trunkPhoneNumber": called, "sip.phoneNumber": caller, "sip.callID": f"SCL_job_{n}"}
        if diversion:
            attributes["panbot.diversion"] = diversion
        self.participant = self.room.join(sip_participant(f"sip_{caller}", attributes))
        self.llm = ScriptedLLM(list(steps))
        self.metadata = metadata
        self.runner = None

    async def run(self):
        # The job context is a context variable: entered and left in the test's own task.
        with fake_job_context(room=self.room, job_metadata=self.metadata) as ctx:
            self.ctx = ctx
            self.runner = await worker.run_call(
                ctx, self.participant, sessions=TextSessions(self.llm), control=LiveKitCallControl.from_settings()
            )
        return self.runner

    def api_calls(self, method: str):
        """This job's requests to LiveKit (other jobs share the fake server)."""
        rooms = lambda r: {getattr(r.body, "room", None), getattr(r.body, "room_name", None)}  # noqa: E731
        return [r for r in self.fake_livekit.requests if r.method == method and self.room.name in rooms(r)]

    async def record(self) -> CallRecord:
        return await db(CallRecord.objects.get)(pk=self.runner.outcome.admission.call_record_id)


@pytest.fixture
def job(fake_livekit, settings):
    settings.AGENT_HEARTBEAT_SECONDS = 30
    settings.AGENT_SILENCE_SECONDS = 30

    def make(**kwargs) -> Job:
        return Job(fake_livekit, **kwargs)

    return make


async def ended(job: Job, timeout: float = 5.0) -> CallRecord:
    await asyncio.wait_for(job.runner.finished.wait(), timeout)
    return await job.record()


async def test_admitted_call_is_answered_and_a_caller_hang_up_frees_the_slot(restaurant, job):
    call = job()
    runner = await call.run()
    assert runner.outcome.admission.admitted
    active = await db(ActiveCall.objects.get)(sip_call_id=call.participant.attributes["sip.callID"])
    assert active.room_name == call.room.name and active.business_id == restaurant.business.pk
    assert not call.api_calls("DeleteRoom")  # answered, not hung up

    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "caller_hangup")
    assert record.duration_seconds is not None
    assert record.transcript[0] == {"role": "agent", "text": "Trattoria Da Mario, ordini: cosa le preparo?"}
    assert not await db(ActiveCall.objects.exists)()
    assert len(call.api_calls("DeleteRoom")) == 1


@pytest.mark.parametrize(
    "reason",
    [
        rtc.DisconnectReason.SIP_TRUNK_FAILURE,
        rtc.DisconnectReason.MEDIA_FAILURE,
        rtc.DisconnectReason.CONNECTION_TIMEOUT,
    ],
)
async def test_a_dropped_sip_leg_ends_the_call_even_where_livekit_would_not(restaurant, job, reason):
    call = job()
    await call.run()
    call.room.leave(call.participant.identity, reason)
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "line_dropped")
    assert not await db(ActiveCall.objects.exists)()


async def test_someone_else_leaving_the_room_changes_nothing(restaurant, job):
    call = job()
    await call.run()
    other = call.room.join(sip_participant("sip_+393330000009", {}))
    call.room.leave(other.identity, rtc.DisconnectReason.CLIENT_INITIATED)  # the room's handlers run now
    assert not call.runner.ending and not call.runner.finished.is_set()
    await call.runner.end(CallRecord.Reason.CALLER_HANGUP)


async def test_a_forwarded_call_is_routed_by_its_diversion_header(restaurant, job, make_business, make_number):
    other = await db(make_business)("Sushi Zen", slug="zen")
    await db(make_number)("+390557654321", business=other)
    call = job(called="+390557654321", diversion=f"<sip:{ORDERS_NUMBER}@pbx.example>;reason=unconditional")
    runner = await call.run()
    assert runner.outcome.admission.business_id == restaurant.business.pk
    await runner.end(CallRecord.Reason.CALLER_HANGUP)


def _set_up(case, restaurant):
    if case == "unknown_number":
        return {"called": "+390559999999"}
    if case == "number_unassigned":
        SipNumber.objects.filter(pk=restaurant.number.pk).update(business=None, assigned_at=None)
    if case == "number_inactive":
        SipNumber.objects.filter(pk=restaurant.number.pk).update(is_active=False)
    if case == "business_inactive":
        Business.objects.filter(pk=restaurant.business.pk).update(is_active=False)
    return {}


@pytest.mark.parametrize("case", ["unknown_number", "number_unassigned", "number_inactive", "business_inactive"])
async def test_calls_nobody_should_answer_are_closed_before_any_audio(restaurant, job, case):
    kwargs = await db(_set_up)(case, restaurant)
    call = job(**kwargs)
    runner = await call.run()
    assert runner.outcome.admission.reason == case
    assert runner.session is None  # no AgentSession, so nothing was ever published: LiveKit SIP answers 486
    assert len(call.api_calls("DeleteRoom")) == 1
    record = await call.record()
    assert (record.status, record.reason) == ("rejected", case)
    assert not await db(ActiveCall.objects.exists)()


async def _fill_number(job):
    """Take both of the orders number's slots with live calls."""
    for _ in range(2):
        first = job(caller=f"+39333{next(_ids):07d}")
        await first.run()
    return first


async def test_a_busy_number_gets_a_busy_signal(restaurant, job, fake_livekit):
    await _fill_number(job)
    call = job(caller="+393339999999")
    runner = await call.run()
    assert runner.outcome.admission.reason == "number_busy"
    assert runner.session is None
    assert len(call.api_calls("DeleteRoom")) == 1
    assert len([r for r in call.fake_livekit.requests if r.method == "DeleteRoom"]) == 1  # live calls untouched
    assert (await call.record()).reason == "number_busy"


async def test_a_busy_number_can_apologise_in_the_restaurants_language(restaurant, job):
    await db(services.number_update)(
        sip_number=restaurant.number, by=None,
        config_override={"overflow_action": "message", "overflow_message": "Linee occupate, richiami più tardi."},
    )  # fmt: skip
    await _fill_number(job)
    call = job(caller="+393339999998")
    runner = await call.run()
    assert runner.outcome.admission.reason == "number_busy"
    spoken = [i.text_content for i in runner.session.history.items if i.type == "message"]
    assert spoken == ["Linee occupate, richiami più tardi."]
    assert call.room.name not in call.fake_livekit.rooms


async def test_a_busy_business_can_transfer_the_caller(restaurant, job, make_number):
    await db(services.number_update)(
        sip_number=restaurant.number, by=None, config_override={"overflow_action": "transfer"}
    )
    other_line = await db(make_number)("+390551234568", business=restaurant.business, max_concurrent_calls=5)
    for _ in range(3):  # the business takes 3 calls at once
        await job(called=other_line.number, caller=f"+39333{next(_ids):07d}").run()
    call = job(caller="+393339999997")
    runner = await call.run()
    assert runner.outcome.admission.reason == "business_busy"
    (transfer,) = call.api_calls("TransferSIPParticipant")
    assert transfer.body.transfer_to == f"tel:{STAFF}" and transfer.body.room_name == call.room.name
    assert runner.outcome.transferred_to == STAFF


async def test_silence_asks_once_then_ends(restaurant, job, settings):
    settings.AGENT_SILENCE_SECONDS = 0.2
    call = job()
    runner = await call.run()
    runner.session.emit("user_state_changed", UserStateChangedEvent(old_state="listening", new_state="away"))
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "silence")
    agent_lines = [line["text"] for line in record.transcript if line["role"] == "agent"]
    assert agent_lines[-1] == "Non la sento più, chiudo la chiamata. Arrivederci!"
    assert len(call.llm.calls) == 1  # the one "are you still there?" question


async def test_a_caller_who_answers_the_silence_check_stays_on_the_line(restaurant, job, settings):
    settings.AGENT_SILENCE_SECONDS = 0.2
    call = job()
    runner = await call.run()
    runner.session.emit("user_state_changed", UserStateChangedEvent(old_state="listening", new_state="away"))
    deadline = runner._silence_task
    assert deadline is not None  # the "are you still there?" clock runs
    runner.session.emit("user_state_changed", UserStateChangedEvent(old_state="away", new_state="speaking"))
    await asyncio.gather(deadline, return_exceptions=True)  # the deadline is over: cancelled, or it fired
    assert deadline.cancelled()
    assert not runner.ending and not runner.finished.is_set()
    await runner.end(CallRecord.Reason.CALLER_HANGUP)


async def test_maximum_duration_says_goodbye_and_ends(restaurant, job, monkeypatch):
    from telephony.agent import runner as runner_module

    real_timing = runner_module.Timing
    monkeypatch.setattr(worker, "Timing", lambda **kw: real_timing(**kw, minute_seconds=0.02))
    call = job()
    await call.run()  # 15 "minutes" of 0.02 s
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "max_duration")
    assert "durata massima" in record.transcript[-1]["text"]


async def test_losing_the_slot_ends_the_call_politely(restaurant, job, settings):
    from datetime import timedelta

    settings.AGENT_HEARTBEAT_SECONDS = 0.05
    call = job()
    runner = await call.run()
    # The reaper decided this call vanished (its heartbeats stopped reaching the database) and took the slot.
    active = await db(ActiveCall.objects.get)(pk=runner.outcome.admission.active_call_id)
    later = active.last_heartbeat_at + timedelta(seconds=settings.CALL_LEASE_SECONDS + 1)
    assert await db(services.calls_reap_stale)(now=later) == 1
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "ghost")  # the reaper's verdict stands
    assert "devo chiudere la chiamata" in record.transcript[-1]["text"]  # and the conversation is kept
    assert len(call.api_calls("DeleteRoom")) == 1


async def test_heartbeats_keep_the_lease(restaurant, job, settings, monkeypatch):
    import threading

    from telephony.agent import runner as runner_module

    beats, two_beats = [], threading.Event()
    real_heartbeat = services.call_heartbeat

    def counted_heartbeat(**kwargs):
        alive = real_heartbeat(**kwargs)
        beats.append(alive)
        if len(beats) >= 2:
            two_beats.set()
        return alive

    monkeypatch.setattr(runner_module.services, "call_heartbeat", counted_heartbeat)
    settings.AGENT_HEARTBEAT_SECONDS = 0.05
    call = job()
    runner = await call.run()
    first = (await db(ActiveCall.objects.get)(pk=runner.outcome.admission.active_call_id)).last_heartbeat_at
    assert await asyncio.to_thread(two_beats.wait, 10), "no heartbeats"
    assert beats[:2] == [True, True] and not runner.ending and not runner.finished.is_set()
    active = await db(ActiveCall.objects.get)(pk=runner.outcome.admission.active_call_id)
    assert active.last_heartbeat_at > first  # renewed (on the database clock)
    await runner.end(CallRecord.Reason.CALLER_HANGUP)


async def test_an_unrecoverable_provider_error_apologises_and_ends(restaurant, job):
    call = job()
    runner = await call.run()
    error = LLMError(timestamp=time.time(), label="scripted", error=RuntimeError("provider down"), recoverable=False)
    runner.session.emit("error", ErrorEvent(error=error, source=call.llm))
    record = await ended(call)
    assert (record.status, record.reason) == ("failed", "error")
    assert "problema tecnico" in record.transcript[-1]["text"]
    assert not await db(ActiveCall.objects.exists)()


async def test_a_recoverable_provider_error_is_ridden_out(restaurant, job):
    call = job()
    runner = await call.run()
    blip = LLMError(timestamp=time.time(), label="scripted", error=RuntimeError("blip"), recoverable=True)
    runner.session.emit("error", ErrorEvent(error=blip, source=call.llm))  # handled as it is emitted
    assert not runner.ending and not runner.finished.is_set()
    await runner.end(CallRecord.Reason.CALLER_HANGUP)


async def test_a_job_shut_down_under_the_call_records_it_once(restaurant, job):
    call = job()
    runner = await call.run()
    await runner.on_job_shutdown("parent process shutdown")
    await runner.on_job_shutdown("again")
    record = await call.record()
    assert (record.status, record.reason) == ("failed", "error")
    assert len(call.api_calls("DeleteRoom")) == 1


async def test_the_caller_hanging_up_during_a_turn_ends_once(restaurant, job):
    call = job(steps=[tool("restaurant_info"), "Siamo aperti dalle 19."])
    runner = await call.run()
    turn = asyncio.ensure_future(runner.session.run(user_input="Siete aperti?"))
    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    record = await ended(call)
    turn.cancel()
    assert record.reason == "caller_hangup"
    assert len(call.api_calls("DeleteRoom")) == 1


# --- endings that race each other ---------------------------------------------------------------


async def test_the_caller_hanging_up_during_admission_frees_the_slot(restaurant, job, monkeypatch):
    import threading

    from telephony.agent import runner as runner_module

    real_admit = runner_module._admit
    call = job()
    admitted, hung_up = threading.Event(), threading.Event()

    def slow_admit(inbound, worker_id):
        admission = real_admit(inbound, worker_id)
        admitted.set()
        hung_up.wait(10)  # the caller hangs up now, before the agent knows it has a slot
        return admission

    monkeypatch.setattr(runner_module, "_admit", slow_admit)
    running = asyncio.create_task(call.run())
    assert await asyncio.to_thread(admitted.wait, 10)
    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    hung_up.set()
    runner = await running
    assert runner.finished.is_set() and runner.session is None
    record = await call.record()
    assert (record.status, record.reason) == ("completed", "caller_hangup")
    assert not await db(ActiveCall.objects.exists)()
    assert len(call.api_calls("DeleteRoom")) == 1


async def test_the_caller_speaking_during_the_silence_goodbye_does_not_stop_the_call_ending(restaurant, job, settings):
    settings.AGENT_SILENCE_SECONDS = 0.1
    call = job()
    runner = await call.run()
    runner.session.emit("user_state_changed", UserStateChangedEvent(old_state="listening", new_state="away"))
    while not runner.ending:
        await asyncio.sleep(0.01)
    runner.session.emit("user_state_changed", UserStateChangedEvent(old_state="away", new_state="speaking"))
    record = await ended(call)
    assert record.reason == "silence"
    assert len(call.api_calls("DeleteRoom")) == 1


async def test_livekit_shutting_the_job_down_records_the_call_before_the_callback_returns(restaurant, job):
    call = job()
    runner = await call.run()
    # LiveKit's own shutdown order: the session is closed first, then the shutdown callbacks run.
    await runner.session.aclose()
    await runner.on_job_shutdown("parent process shutdown")
    assert runner.finished.is_set()
    record = await call.record()
    assert (record.status, record.reason) == ("failed", "error")


async def test_the_sip_leg_leaving_during_a_transfer_is_recorded_as_transferred(restaurant, job, fake_livekit):
    call = job(steps=[tool("transfer_to_staff"), "Vi passo un collega."])
    runner = await call.run()
    real_transfer = runner.control.transfer

    async def transfer_that_moves_the_caller(**kwargs):
        call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
        await real_transfer(**kwargs)

    runner.control.transfer = transfer_that_moves_the_caller
    with contextlib.suppress(RuntimeError):
        await runner.session.run(user_input="Mi passi qualcuno")
    record = await ended(call)
    assert (record.status, record.reason) == ("completed", "transferred")


async def test_a_transfer_livekit_reports_as_ongoing_is_not_a_failure(restaurant, job, fake_livekit):
    from livekit.protocol import sip as proto_sip

    fake_livekit.transfer_status = proto_sip.SIPTransferStatus.STS_TRANSFER_ONGOING
    call = job(steps=[tool("transfer_to_staff"), "Vi passo un collega."])
    runner = await call.run()
    with contextlib.suppress(RuntimeError):
        await runner.session.run(user_input="Mi passi qualcuno")
    assert (await ended(call)).reason == "transferred"


async def test_an_unreachable_livekit_makes_the_transfer_fail_politely(restaurant, job, settings):
    call = job(steps=[tool("transfer_to_staff"), "Sono tutti occupati."])
    runner = await call.run()
    runner.control = LiveKitCallControl(url="http://127.0.0.1:9", api_key="k", api_secret="s" * 40)
    result = await runner.session.run(user_input="Mi passi qualcuno")
    (output,) = [e.item for e in result.events if e.type == "function_call_output"]
    assert output.is_error and "staff are busy" in output.output
    assert not runner.ending
    await runner.end(CallRecord.Reason.CALLER_HANGUP)


async def test_a_database_failure_during_admission_still_closes_the_room(restaurant, job, monkeypatch):
    from django.db import OperationalError

    from telephony.agent import runner as runner_module

    def broken(inbound, worker_id):
        raise OperationalError("the database went away")

    monkeypatch.setattr(runner_module, "_admit", broken)
    call = job()
    runner = await call.run()
    assert runner.finished.is_set() and runner.outcome.reason == "error"
    assert len(call.api_calls("DeleteRoom")) == 1


async def test_a_call_that_ends_while_the_agent_is_prepared_never_starts_it(restaurant, job, monkeypatch):
    from telephony.agent import worker as worker_module

    real_build = worker_module.build_agent
    call = job()

    async def slow_build(admission, runner):
        agent = await real_build(admission, runner)
        call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
        assert runner.ending  # the caller left while the agent was being built
        return agent

    started = []
    real_start = TextSessions.start

    async def spy_start(self, session, agent):
        started.append(agent)
        await real_start(self, session, agent)

    monkeypatch.setattr(worker_module, "build_agent", slow_build)
    monkeypatch.setattr(TextSessions, "start", spy_start)
    runner = await call.run()
    record = await ended(call)
    assert record.reason == "caller_hangup"
    assert started == []  # the session was never started
    assert not [t for t in runner._tasks if not t.done()]  # no heartbeat or timer left behind


async def test_a_caller_gone_before_the_agent_listened_is_not_answered(restaurant, job):
    call = job()
    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    runner = await call.run()
    assert runner.finished.is_set() and runner.session is None
    record = await call.record()
    assert (record.status, record.reason) == ("completed", "caller_hangup")
    assert not await db(ActiveCall.objects.exists)()


async def test_the_time_from_the_caller_joining_to_the_greeting_is_measured_and_logged(restaurant, job, caplog):
    caplog.set_level("INFO", logger="telephony.agent")
    joined = time.monotonic()
    call = job()
    runner = await call.run()
    timings = runner.outcome.timings
    moments = ["admitted", "agent_ready", "session_started", "greeting_started", "greeting_spoken"]
    assert list(timings) == moments
    assert 0 < timings["admitted"] <= timings["agent_ready"] <= timings["session_started"]
    assert timings["session_started"] <= timings["greeting_started"] <= timings["greeting_spoken"]
    # The clock starts when the entrypoint has the caller's participant (here: when run_call began).
    assert timings["greeting_started"] <= (time.monotonic() - joined) * 1000
    sip_call_id = call.participant.attributes["sip.callID"]
    logged = [r.getMessage() for r in caplog.records if sip_call_id in r.getMessage()]
    assert any(f"greeting started {timings['greeting_started']:.0f} ms after the caller joined" in m for m in logged)
    assert any("prompt of" in m and "tokens built in" in m for m in logged)
    print(f"\njoin -> greeting (ms, no provider in the loop): {timings}")
    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    await ended(call)


async def test_the_entrypoint_starts_its_clock_when_the_caller_joins(restaurant, job, monkeypatch):
    seen = {}
    real_run_call = worker.run_call

    async def run_call(ctx, participant, **kwargs):
        seen["joined_at"] = kwargs["joined_at"]
        kwargs["sessions"] = TextSessions(ScriptedLLM([]))
        kwargs["control"] = LiveKitCallControl.from_settings()
        seen["runner"] = await real_run_call(ctx, participant, **kwargs)
        return seen["runner"]

    monkeypatch.setattr(worker, "run_call", run_call)
    call = job()
    before = time.monotonic()
    with fake_job_context(room=call.room) as ctx:
        await worker.entrypoint(ctx)
    assert before <= seen["joined_at"] <= time.monotonic()
    assert seen["runner"].joined_at == seen["joined_at"]
    call.room.leave(call.participant.identity, rtc.DisconnectReason.CLIENT_INITIATED)
    await asyncio.wait_for(seen["runner"].finished.wait(), 5)
