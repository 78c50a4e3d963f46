"""The outbox: rows in the caller's transaction, pushes only after commit, over real Redis."""

import asyncio
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from panbot.events import business_group, emit
from panbot.models import Event


class _Listener:
    """A channel subscribed to one business's group on the real (Redis) channel layer.

    channels-redis binds its receive buffers to the event loop that first used them,
    so the listener keeps one loop of its own for every call.
    """

    def __init__(self, business_id: int, layer=None):
        self.loop = asyncio.new_event_loop()
        self.layer = layer or get_channel_layer()
        self.group = business_group(business_id)
        self.channel = self.loop.run_until_complete(self.layer.new_channel())
        self.loop.run_until_complete(self.layer.group_add(self.group, self.channel))

    def receive(self, timeout: float = 1.0):
        try:
            return self.loop.run_until_complete(asyncio.wait_for(self.layer.receive(self.channel), timeout))
        except TimeoutError:
            return None

    def close(self):
        self.loop.run_until_complete(self.layer.group_discard(self.group, self.channel))
        self.loop.close()


@pytest.fixture
def listener(business):
    listener = _Listener(business.pk)
    yield listener
    listener.close()


def test_the_channel_layer_is_redis_pub_sub():
    # Pub/sub may drop a message; clients catch up from the Event table (DESIGN: "the table does not").
    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_stored_and_pushed(business, listener):
    with transaction.atomic():
        event = emit(business, "order.created", {"order_id": 7, "total": Decimal("12.50")})
        assert listener.receive(timeout=0.3) is None, "pushed before commit"

    message = listener.receive()
    assert message["type"] == "event.push"
    assert message["event"]["id"] == event.pk
    assert message["event"]["type"] == "order.created"
    assert message["event"]["payload"] == {"order_id": 7, "total": "12.50"}
    assert Event.objects.get(pk=event.pk).payload == {"order_id": 7, "total": "12.50"}


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_is_neither_stored_nor_pushed(business, listener):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(business, "order.created", {"order_id": 8})
        raise RuntimeError("the change failed")

    assert listener.receive(timeout=0.5) is None
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_events_go_only_to_their_business(business, outsider_business, listener):
    emit(outsider_business, "order.created", {"order_id": 9})
    assert listener.receive(timeout=0.5) is None
    emit(business, "order.created", {"order_id": 10})
    assert listener.receive()["event"]["payload"] == {"order_id": 10}


@pytest.mark.django_db(transaction=True)
def test_events_from_one_business_arrive_in_commit_order(business, listener):
    ids = [emit(business, "order.updated", {"n": n}).pk for n in range(20)]
    received = [listener.receive()["event"]["id"] for _ in ids]
    assert received == ids


@pytest.mark.django_db(transaction=True)
def test_emit_does_not_wait_for_redis(business, listener, monkeypatch):
    """Committing code only enqueues the push; a slow channel layer never holds up a call admission."""
    import time as time_module

    from channels_redis.pubsub import RedisPubSubLoopLayer

    real_send = RedisPubSubLoopLayer.group_send

    async def slow_send(self, group, message):
        await asyncio.sleep(0.5)
        await real_send(self, group, message)

    monkeypatch.setattr(RedisPubSubLoopLayer, "group_send", slow_send)
    started = time_module.monotonic()
    event = emit(business, "order.created", {"n": 1})
    assert time_module.monotonic() - started < 0.2
    assert listener.receive(timeout=2)["event"]["id"] == event.pk


def test_a_redis_that_hangs_costs_each_push_a_timeout_not_the_process(monkeypatch, caplog):
    """A Redis that accepts connections but never answers must not wedge the event thread."""
    import socket

    from channels_redis.pubsub import RedisPubSubChannelLayer

    from panbot import events

    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(16)  # accepts, never replies
    try:
        monkeypatch.setattr(events._Publisher, "PUBLISH_TIMEOUT", 0.2)
        layer = RedisPubSubChannelLayer(hosts=[f"redis://127.0.0.1:{black_hole.getsockname()[1]}"])
        started = time.monotonic()
        for n in range(3):
            events._publisher.submit(layer, {"id": n, "type": "t", "business_id": 1, "payload": {}, "created_at": ""})
        assert events._publisher.flush(timeout=5)
        assert time.monotonic() - started < 3
        assert "could not push event" in caplog.text
    finally:
        black_hole.close()


@pytest.fixture
def pausable_redis(tmp_path):
    """A Redis server of this test's own (a unix socket, no TCP port), which the test can freeze with SIGSTOP."""
    import shutil
    import signal
    import subprocess

    import redis

    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed: the suite runs against real Redis"
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(unix_socket_path=str(sock)).ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield SimpleNamespace(
            url=f"unix://{sock}",
            pause=lambda: server.send_signal(signal.SIGSTOP),
            resume=lambda: server.send_signal(signal.SIGCONT),
        )
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(10)


@pytest.mark.django_db(transaction=True)
def test_events_still_arrive_after_a_hung_redis(business, pausable_redis, monkeypatch, caplog):
    """Redis stops answering (SIGSTOP) mid-stream: pushes time out, the rows stay, and once it answers
    again the next event arrives through the same publisher thread."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from panbot import events

    layer = RedisPubSubChannelLayer(hosts=[pausable_redis.url], prefix="hung")
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(events._Publisher, "PUBLISH_TIMEOUT", 0.3)
    listener = _Listener(business.pk, layer=layer)
    try:
        before = emit(business, "order.created", {"n": 1})
        assert listener.receive(timeout=5)["event"]["id"] == before.pk

        pausable_redis.pause()
        hung = [emit(business, "order.created", {"n": n}) for n in (2, 3)]
        assert events._publisher.flush(timeout=5), "the publisher waited on the hung Redis"
        assert caplog.text.count("could not push event") == 2
        pausable_redis.resume()

        after = emit(business, "order.created", {"n": 4})
        received = []
        while after.pk not in received and (message := listener.receive(timeout=5)) is not None:
            received.append(message["event"]["id"])
        assert received[-1:] == [after.pk], received
        # A push that timed out may still have reached Redis's socket and arrive late: in order, never twice.
        assert received == sorted(set(received)) and set(received) <= {*(e.pk for e in hung), after.pk}
        # What the hang dropped is in the table, where reconnecting clients catch up from.
        assert set(Event.objects.values_list("pk", flat=True)) == {before.pk, *(e.pk for e in hung), after.pk}
    finally:
        pausable_redis.resume()
        listener.close()


def test_a_forked_child_pushes_through_its_own_thread():
    """Celery prefork: the child must not inherit the parent's event thread or its lock."""
    import os as os_module

    from panbot import events

    events._publisher.flush(1)  # the parent's thread exists
    read, write = os_module.pipe()
    pid = os_module.fork()
    if pid == 0:  # the child
        try:
            ok = events._publisher._loop is None and not events._publisher._lock.locked()
            os_module.write(write, b"1" if ok else b"0")
        finally:
            os_module._exit(0)
    os_module.waitpid(pid, 0)
    assert os_module.read(read, 1) == b"1"
