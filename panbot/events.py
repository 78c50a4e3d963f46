"""The outbox: `emit` records an event in the caller's transaction and pushes it on commit.

Staff feeds read the `Event` table to catch up after a reconnect, so a push lost
by Redis pub/sub costs latency, never data. A rolled-back change announces nothing.
Ids are taken when a row is inserted, not when it commits: a transaction can commit
id 184 after another committed 185, so catching up "after the last id seen" must also
look back over ids that were still uncommitted then (the feed's job, with the snapshot).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from panbot.models import Event
from panbot.tenancy import runs_platform_wide

logger = logging.getLogger(__name__)


class EventMessage(TypedDict):
    """What a staff client receives for one event (also the Event row, serialised)."""

    id: int
    type: str
    business_id: int
    payload: dict[str, Any]
    created_at: str
    # Internal: the inserting transaction (PostgreSQL), which tells the feed whether a pushed event
    # is already in a client's cursor; the feed strips it before sending (panbot.feed.consumer).
    xid: NotRequired[int]


class RevokedMessage(TypedDict):
    """Pushed to a user's group when their token_version moves on: their sockets close (panbot.feed.codes.REVOKED)."""

    type: str  # "user.revoked"
    token_version: int


def business_group(business_id: int) -> str:
    """The channel-layer group of one business's live feed."""
    return f"business.{business_id}"


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's feed sockets (all businesses): told when their tokens are revoked."""
    return f"user.{user_id}"


def event_message(event: Event) -> EventMessage:
    message: EventMessage = {
        "id": event.pk,
        "type": event.type,
        "business_id": event.business_id,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }
    if event.xid is not None:
        message["xid"] = int(event.xid)
    return message


def announce_revocation(*, user_id: int, token_version: int) -> None:
    """On commit, tell the user's open feed sockets that tokens below `token_version` are revoked.

    Pub/sub only (no outbox row): a push lost with Redis leaves the socket open until its access
    token expires (ACCESS_TOKEN_LIFETIME at most), the same bound the HTTP API has.
    """
    message: RevokedMessage = {"type": "user.revoked", "token_version": token_version}
    transaction.on_commit(lambda: _push_to(user_group(user_id), dict(message), label=f"revocation of user {user_id}"))


def emit(business: Any, type: str, payload: Mapping[str, Any]) -> Event:
    """Write an Event for `business` (instance or id) now; push it to the business's group on commit."""
    business_id = getattr(business, "pk", business)
    # Round-trip through JSON so the pushed payload equals the stored one (Decimal, datetime, UUID).
    clean_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = Event.objects.create(business_id=business_id, type=type, payload=clean_payload)
    _push_on_commit(event_message(event))
    return event


PRUNE_BATCH_SIZE = 5000


@runs_platform_wide
def events_prune(*, older_than_hours: int, batch_size: int = PRUNE_BATCH_SIZE) -> int:
    """Delete events created more than `older_than_hours` ago, `batch_size` rows per transaction; the count.

    Small batches keep each delete's locks and WAL short while feeds and writers carry on; running
    it twice (or in two workers at once) deletes nothing twice.
    """
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Event.objects.filter(created_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return total
            deleted, _ = Event.objects.filter(id__in=ids).delete()
        total += deleted
        if len(ids) < batch_size:
            return total


def announce(*, event_id: int, business_id: int, type: str, payload: Any, created_at: Any) -> None:
    """Push, on commit, an Event row a service wrote itself in the statement that made the change.

    For hot paths (call admission and end) that insert the row with their own SQL instead of
    `emit`, saving a round trip; the row, its transaction and the push are otherwise the same.
    """
    _push_on_commit(
        {
            "id": event_id,
            "type": type,
            "business_id": business_id,
            "payload": payload if isinstance(payload, dict) else json.loads(payload),
            "created_at": created_at.isoformat(),
        }
    )


def _push_on_commit(message: EventMessage) -> None:
    transaction.on_commit(lambda: _push(message), robust=True)


def _push(message: EventMessage) -> None:
    _push_to(business_group(message["business_id"]), _envelope(message), label=f"event {message['id']}")


def _push_to(group: str, envelope: dict[str, Any], *, label: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if _publisher.serves(layer):
        _publisher.submit_to(layer, group, envelope, label=label)
        return
    try:
        # The in-memory layer (embedded default) lives in this process's event loop;
        # async_to_sync hands the send to that loop when called from one of its threads.
        async_to_sync(layer.group_send)(group, envelope)
    except Exception:
        # The row is committed; clients catch up from the table on reconnect.
        logger.warning("could not push %s to the channel layer", label, exc_info=True)


def _envelope(message: EventMessage) -> dict[str, Any]:
    return {"type": "event.push", "event": message}


class _Publisher:
    """Sends events to a Redis channel layer from one long-lived thread, in the order they were committed.

    From plain synchronous code (Celery, the agent's database thread, commands),
    async_to_sync would start an event loop and a Redis connection for every event and
    make the committing code wait for it. Here the committing code only enqueues; one
    loop with one connection pool sends, one event after the other. A Redis that hangs
    costs each event PUBLISH_TIMEOUT at most, and a backlog beyond MAX_BACKLOG is dropped:
    clients catch up from the Event table either way.
    """

    PUBLISH_TIMEOUT = 2.0
    MAX_BACKLOG = 10_000

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Also run in a forked child (Celery prefork): the parent's thread, loop and lock are not ours.
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[Any, str, dict[str, Any], str]] | None = None
        self._pending = 0

    @staticmethod
    def serves(layer: Any) -> bool:
        return type(layer).__module__.startswith("channels_redis")

    def submit(self, layer: Any, message: EventMessage) -> None:
        self.submit_to(
            layer, business_group(message["business_id"]), _envelope(message), label=f"event {message['id']}"
        )

    def submit_to(self, layer: Any, group: str, envelope: dict[str, Any], *, label: str) -> None:
        with self._lock:
            if self._loop is None:
                self._start()
            if self._pending >= self.MAX_BACKLOG:
                logger.warning("event push backlog full; dropping the push of %s", label)
                return
            self._pending += 1
            loop, queue = self._loop, self._queue
        if loop is None or queue is None:  # _start() sets both before it returns
            raise RuntimeError("the event push thread did not start")
        loop.call_soon_threadsafe(queue.put_nowait, (layer, group, envelope, label))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every submitted event was sent (or dropped); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            queue: asyncio.Queue[tuple[Any, str, dict[str, Any], str]] = asyncio.Queue()
            self._loop, self._queue = loop, queue
            ready.set()
            loop.run_until_complete(self._drain(queue))

        threading.Thread(target=run, name="panbot-events", daemon=True).start()
        ready.wait()

    async def _drain(self, queue: asyncio.Queue[tuple[Any, str, dict[str, Any], str]]) -> None:
        while True:
            layer, group, envelope, label = await queue.get()
            try:
                await asyncio.wait_for(layer.group_send(group, envelope), self.PUBLISH_TIMEOUT)
            except Exception:
                logger.warning("could not push %s to the channel layer", label, exc_info=True)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


_publisher = _Publisher()
os.register_at_fork(after_in_child=_publisher._reset)
# A command or task that emits and exits at once still gets its events out.
atexit.register(_publisher.flush, 2.0)


def flush_pushes(timeout: float = 2.0) -> bool:
    """Wait until the events committed so far were handed to the channel layer.

    For processes that end without running atexit (Celery prefork children, LiveKit job
    processes): call it before they exit.
    """
    return _publisher.flush(timeout)
