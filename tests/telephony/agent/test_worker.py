"""The agent worker: refuses to start misconfigured, registers for explicit dispatch, reports its load."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from telephony import services
from telephony.agent import providers, worker

CONFIGURED = {
    "LIVEKIT_URL": "wss://livekit.example.com", "LIVEKIT_API_KEY": "key", "LIVEKIT_API_SECRET": "s" * 40,
    "LLM_API_KEY": "llm-key", "OPENAI_API_KEY": "openai-key",
}  # fmt: skip


@pytest.fixture
def configured(settings):
    for name, value in CONFIGURED.items():
        setattr(settings, name, value)
    return settings


def test_missing_settings_stop_the_worker_with_their_names(settings):
    settings.LIVEKIT_URL = ""
    settings.LLM_API_KEY = ""
    settings.OPENAI_API_KEY = ""
    with pytest.raises(CommandError) as exc:
        call_command("run_agent", "start")
    message = str(exc.value)
    assert "LIVEKIT_URL is not set" in message
    assert "LLM_API_KEY is not set" in message
    assert "OPENAI_API_KEY is not set but OpenAI speech is configured" in message


def test_deepgram_speech_needs_its_key(configured):
    configured.STT_BY_LANGUAGE = {"it": "deepgram:nova-3"}
    configured.DEEPGRAM_API_KEY = ""
    assert providers.settings_problems() == [
        "DEEPGRAM_API_KEY is not set but Deepgram speech is configured (STT_*/TTS_*)."
    ]


def test_run_agent_hands_livekits_cli_its_mode_and_a_worker_id(configured, monkeypatch):
    seen = {}

    def run_app(server):
        seen["argv"] = list(sys.argv)
        seen["server"] = server
        seen["worker_id"] = os.environ.get(worker.WORKER_ID_ENV)
        raise SystemExit(0)

    monkeypatch.setattr("livekit.agents.cli.run_app", run_app)
    monkeypatch.delenv(worker.WORKER_ID_ENV, raising=False)
    call_command("run_agent", "dev", "--log-level", "DEBUG")
    assert seen["argv"] == ["run_agent", "dev", "--log-level", "DEBUG"]
    assert seen["worker_id"].endswith(f":{os.getpid()}")
    assert sys.argv[0] != "run_agent"  # restored


def test_a_failing_worker_is_reported(configured, monkeypatch):
    def run_app(server):
        raise SystemExit(1)

    monkeypatch.setattr("livekit.agents.cli.run_app", run_app)
    with pytest.raises(CommandError, match="exit code 1"):
        call_command("run_agent")


def test_the_worker_registers_for_explicit_dispatch_and_is_full_at_its_maximum(configured):
    configured.AGENT_NAME = "panbot-test"
    server = worker.build_server()
    assert server._agent_name == "panbot-test"
    assert server._load_threshold == 1.0
    assert server._load_fnc is worker.load
    assert server._entrypoint_fnc is worker.entrypoint


def _load_in_a_thread(active_jobs) -> float:
    """As LiveKit does: the load function runs in an executor thread, with its own connection."""

    def run() -> float:
        try:
            return worker.load(SimpleNamespace(active_jobs=active_jobs))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.django_db(transaction=True)
def test_load_counts_this_workers_calls(settings, monkeypatch, make_number, business):
    settings.AGENT_MAX_SESSIONS = 4
    monkeypatch.setenv(worker.WORKER_ID_ENV, "host:1")
    number = make_number(business=business, max_concurrent_calls=5)
    business.max_concurrent_calls = 5
    business.save()
    for n, worker_id in enumerate(["host:1", "host:1", "host:1", "other:2"]):
        services.call_admit(called=number.number, caller="+393331112222", sip_call_id=f"load-{n}",
                            room_name=f"call-load-{n}", worker_id=worker_id)  # fmt: skip

    assert _load_in_a_thread([]) == 0.75  # admitted calls of host:1
    assert _load_in_a_thread([1, 2, 3, 4]) == 1.0  # jobs not yet admitted count too
    assert _load_in_a_thread(list(range(9))) == 1.0  # never above full


def test_speech_and_llm_plugins_are_loaded_with_the_worker_not_during_a_call(configured, monkeypatch):
    configured.STT_BY_LANGUAGE = {"it": "deepgram:nova-3"}
    assert providers.preload() == ["deepgram", "openai"]
    # Importing the worker module (what each job process does at start) already loaded them.
    assert "livekit.plugins.openai" in sys.modules and "livekit.plugins.deepgram" in sys.modules


def test_prewarm_loads_the_tokenizer_before_the_first_call(monkeypatch):
    from telephony.agent import prompt

    prompt._encoding.cache_clear()
    closed = []
    monkeypatch.setattr(worker, "close_old_connections", lambda: closed.append(True))
    worker.prewarm(SimpleNamespace(userdata={}))
    assert prompt._encoding.cache_info().currsize == 1 and closed == [True]
