"""The feed across processes and failures: other publishers, raw-SQL rows, lost pushes, Redis restarts, dead clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time

import pytest
from channels.db import database_sync_to_async as db

from panbot.events import emit
from restaurants.models import Membership
from tests.panbot.feed.kit import nothing_more, receive, receive_events, socket, token_for
from tests.panbot.feed.servers import ROOT, RedisServer, daphne, free_port, server_env

pytestmark = pytest.mark.django_db(transaction=True)

EMITTER = """
import sys
import django
django.setup()
from panbot.events import emit
business_id, count = int(sys.argv[1]), int(sys.argv[2])
print(",".join(str(emit(business_id, "order.created", {"from": "another process", "n": n}).pk) for n in range(count)))
"""


@pytest.fixture
def token(business, member):
    return token_for(member(business, Membership.Role.STAFF))


def emit_in_another_process(business_id: int, count: int, **env: str) -> list[int]:
    """Events written and pushed by a separate Python process (as the agent worker or Celery would)."""
    result = subprocess.run(
        [sys.executable, "-c", EMITTER, str(business_id), str(count)],
        cwd=ROOT, env=server_env(**env), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return [int(x) for x in result.stdout.strip().split(",")]


def ids(frames: list[dict]) -> list[int]:
    return [frame["event"]["id"] for frame in frames]


async def open_feed(business_id: int, token: str, cursor: str | None = None):
    communicator = socket(business_id, token, cursor=cursor)
    assert (await communicator.connect(timeout=10))[0]
    return communicator, await receive(communicator)


async def test_events_emitted_by_another_process_reach_the_socket_in_order(business, token):
    communicator, _ = await open_feed(business.pk, token)
    emitted = await db(emit_in_another_process)(business.pk, 5)
    frames = await receive_events(communicator, 5)
    assert ids(frames) == emitted
    assert frames[0]["event"]["payload"] == {"from": "another process", "n": 0}
    assert await nothing_more(communicator)
    await communicator.disconnect()


async def test_call_events_written_by_raw_sql_are_delivered_once_in_order(business, token, make_number):
    """call_admit/call_end insert their Event rows in their own SQL (no transaction id in the push)."""
    from telephony import services

    number = await db(make_number)(business=business, label="Orders")
    communicator, _ = await open_feed(business.pk, token)
    admission = await db(services.call_admit)(
        called=number.number, caller="+393331234567", sip_call_id="sip-1", room_name="call-1"
    )
    await db(services.call_end)(active_call_id=admission.active_call_id, reason="caller_hangup")
    frames = await receive_events(communicator, 2)
    assert [frame["event"]["type"] for frame in frames] == ["call.started", "call.ended"]
    assert frames[0]["event"]["payload"]["caller"] == "+393331234567"
    assert await nothing_more(communicator, 1.0)
    await communicator.disconnect()


async def test_a_push_that_never_reached_redis_is_recovered_from_the_table(business, token, settings):
    """The row commits but its push is lost (the publisher's Redis is unreachable): the socket still gets it."""
    settings.FEED_RECONCILE_SECONDS = 1
    communicator, _ = await open_feed(business.pk, token)
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    lost = await db(emit_in_another_process)(business.pk, 2, REDIS_URL=dead_redis)
    (pushed,) = await db(emit_in_another_process)(business.pk, 1)
    frames = await receive_events(communicator, 3, timeout=5)
    assert sorted(ids(frames)) == sorted([*lost, pushed])
    assert await nothing_more(communicator, 1.5)
    await communicator.disconnect()


async def test_a_redis_restart_loses_nothing_for_a_resuming_client(business, token, settings, monkeypatch):
    from panbot import events

    monkeypatch.setattr(events._Publisher, "PUBLISH_TIMEOUT", 0.5)
    with RedisServer() as redis:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [redis.url], "prefix": "restart-test"},
            }
        }
        communicator, _ = await open_feed(business.pk, token)
        (before,) = await db(lambda: [emit(business.pk, "order.created", {"n": 1}).pk])()
        received = await receive_events(communicator, 1)
        assert ids(received) == [before]

        redis.stop()
        during = await db(lambda: [emit(business.pk, "order.created", {"n": n}).pk for n in (2, 3)])()
        await db(events.flush_pushes)(5)  # their pushes failed: Redis was down
        redis.start()
        await asyncio.sleep(1.5)  # the processes reconnect to the new Redis
        (after,) = await db(lambda: [emit(business.pk, "order.created", {"n": 4}).pk])()

        # Whatever the live socket got through the restart (pushes, or nothing) ...
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if await communicator.receive_nothing(0.3):
                continue  # (receive_output's own timeout would cancel the application)
            output = await communicator.receive_output(1)
            if output["type"] != "websocket.send":
                break
            received.append(json.loads(output["text"]))
        with contextlib.suppress(Exception):  # closed by the server or still open: either way, drop it now
            await communicator.disconnect()
        live_ids = ids(received)
        assert len(live_ids) == len(set(live_ids)), "a duplicate"
        assert after in live_ids, "live pushes resume after the restart"

        # ... resuming from its last cursor brings exactly the rest.
        resumed = socket(business.pk, token, cursor=received[-1]["cursor"])
        assert (await resumed.connect(timeout=10))[0]
        rest = await receive_events(resumed, 4 - len(live_ids))
        assert sorted(live_ids + ids(rest)) == sorted([before, *during, after])
        assert await nothing_more(resumed)
        await resumed.disconnect()


async def test_a_client_that_stops_answering_pings_is_dropped_by_the_server(business, token):
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    def url() -> str:
        return f"ws://127.0.0.1:{port}/ws/v1/businesses/{business.pk}/feed/"

    with daphne(ping_interval=1, ping_timeout=1) as port:
        options = {
            "subprotocols": ["panbot.v1", f"bearer.{token}"],
            "origin": "http://127.0.0.1",
            "ping_interval": None,
        }
        async with connect(url(), **options) as alive, connect(url(), **options) as dead:
            assert json.loads(await alive.recv())["type"] == "snapshot"
            assert json.loads(await dead.recv())["type"] == "snapshot"
            dead.transport.pause_reading()  # a frozen tab: it neither reads nor answers pings
            await asyncio.sleep(5)
            dead.transport.resume_reading()
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(dead.recv(), 5)
            # The client that answers pings (the library does it by itself) is still connected.
            await alive.ping()
            (event_id,) = await db(lambda: [emit(business.pk, "order.created", {"n": 1}).pk])()
            frame = json.loads(await asyncio.wait_for(alive.recv(), 5))
            assert frame["event"]["id"] == event_id
