"""The staff live feed consumer: authenticate from the token alone, snapshot or catch up, then stream.

Order of work on connect (the reasons are in panbot.feed.cursor):
1. refuse (accept, then close with a code from panbot.feed.codes) anything but a member's valid token;
2. join the business's group (events) and the user's group (revocations) *before* reading, so an
   event committed after the read is pushed to us;
3. read a snapshot, or the events the client's cursor does not cover, with the horizon of that read;
4. from then on, a pushed event is sent unless the cursor already covers it. Events pushed without
   their transaction id (rows written by raw SQL) and a periodic check re-read the table, which also
   recovers any push Redis dropped.

Frames go out through a bounded queue drained by one task: a client that does not read fast enough
fills it and is closed with TOO_SLOW (it resumes from its cursor), instead of holding memory or the
consumer's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections

from accounts.tokens import AccessClaims, InvalidAccessToken, claims_role, decode_access_token
from panbot.events import EventMessage, business_group, user_group
from panbot.feed import codes
from panbot.feed.cursor import BadCursor, Cursor
from panbot.feed.payloads import EventFrame, SnapshotFrame
from panbot.feed.selectors import event_key, feed_events_missed, feed_snapshot
from panbot.tenancy import business_scope

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Events are pruned after EVENT_RETENTION_HOURS; an event that committed after a cursor was taken
# was inserted at most this long before (no transaction here runs that long), so a cursor younger
# than retention minus this margin has all its missed events still in the table.
RESUME_MARGIN_SECONDS = 3600
# How long a snapshot or catch-up burst waits for a client to make room in its send buffer.
SLOW_CLIENT_SECONDS = 10.0


def _db(fn: Callable[..., T]) -> Callable[..., Any]:
    """Run a read of one business (its `business_id=` keyword) in that business's scope (panbot.tenancy),
    in a worker thread of its own (not the single thread_sensitive one), with fresh connection rules."""

    def run(*args: Any, business_id: int, **kwargs: Any) -> T:
        close_old_connections()
        try:
            with business_scope(business_id):
                return fn(*args, business_id=business_id, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


class FeedConsumer(AsyncWebsocketConsumer):
    """`/ws/v1/businesses/{business_id}/feed/`: one staff client's view of one business."""

    business_id: int
    claims: AccessClaims
    cursor: Cursor

    async def connect(self) -> None:
        self._groups: list[str] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._lock = asyncio.Lock()
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=settings.FEED_SEND_BUFFER)
        self.business_id = int(self.scope["url_route"]["kwargs"]["business_id"])

        offered: list[str] = list(self.scope.get("subprotocols") or [])
        if codes.SUBPROTOCOL not in offered:
            return await self._refuse(codes.PROTOCOL_NOT_OFFERED, subprotocol=None)
        tokens = [p[len(codes.BEARER_PREFIX) :] for p in offered if p.startswith(codes.BEARER_PREFIX)]
        if not tokens:
            return await self._refuse(codes.TOKEN_MISSING)
        try:
            self.claims = decode_access_token(tokens[0])  # signature and expiry only: no query
        except InvalidAccessToken as exc:
            return await self._refuse(codes.TOKEN_EXPIRED if exc.code == "token_expired" else codes.TOKEN_INVALID)
        if claims_role(self.claims, self.business_id) is None:
            return await self._refuse(codes.NOT_A_MEMBER)

        await self.accept(codes.SUBPROTOCOL)
        self._tasks.append(asyncio.create_task(self._send_frames()))
        self._tasks.append(asyncio.create_task(self._close_at_expiry(self.claims["exp"])))
        for group in (business_group(self.business_id), user_group(self.claims["user_id"])):
            await self.channel_layer.group_add(group, self.channel_name)
            self._groups.append(group)

        cursor = self._requested_cursor()
        if cursor is None:
            await self._send_snapshot(reset=self._asked_for_cursor())
        else:
            self.cursor = cursor
            await self._catch_up()
        if not self._closing:
            self._tasks.append(asyncio.create_task(self._reconcile_periodically()))

    async def disconnect(self, code: int) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for group in self._groups:
            with contextlib.suppress(Exception):  # Redis may be the reason we are leaving
                await self.channel_layer.group_discard(group, self.channel_name)

    # --- channel-layer messages ----------------------------------------------------------------

    async def event_push(self, message: dict[str, Any]) -> None:
        """An event of the business, pushed on commit by panbot.events."""
        if self._closing or not hasattr(self, "cursor"):
            return
        event: EventMessage = message["event"]
        async with self._lock:
            key = event_key(event)
            if key is None:
                # Written by raw SQL (call admission and end): its transaction is only in the table.
                await self._catch_up()
                return
            if self.cursor.covers(key, event["id"]):
                return  # already in the snapshot or catch-up this client has
            self.cursor = self.cursor.with_delivered(event["id"])
            await self._send_event(event)
            if len(self.cursor.delivered) >= settings.FEED_CURSOR_MAX_IDS:
                await self._catch_up()  # folds the delivered ids into a new horizon

    async def user_revoked(self, message: dict[str, Any]) -> None:
        """The user's token_version moved on (role changed or removed, password, deactivation)."""
        if message.get("token_version", 0) > self.claims["token_version"]:
            await self._close(codes.REVOKED)

    # --- reading -------------------------------------------------------------------------------

    def _asked_for_cursor(self) -> bool:
        return "cursor" in parse_qs(self.scope.get("query_string", b"").decode("latin-1"))

    def _requested_cursor(self) -> Cursor | None:
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("cursor")
        if not values:
            return None
        try:
            cursor = Cursor.decode(values[0])
        except BadCursor:
            return None
        oldest = time.time() - settings.EVENT_RETENTION_HOURS * 3600 + RESUME_MARGIN_SECONDS
        return cursor if cursor.taken_at >= oldest else None

    async def _send_snapshot(self, *, reset: bool) -> None:
        read = await _db(feed_snapshot)(business_id=self.business_id)
        if read is None:  # a membership claim for a business that no longer exists
            await self._close(codes.NOT_A_MEMBER)
            return
        data, self.cursor = read
        frame: SnapshotFrame = {
            "type": "snapshot",
            "cursor": self.cursor.encode(),
            "orders": data["orders"],
            "reservations": data["reservations"],
            "calls": data["calls"],
            "print_failures": data["print_failures"],
            "printers_down": data["printers_down"],
        }
        if reset:
            frame["reset"] = True
        await self._enqueue(frame, wait=SLOW_CLIENT_SECONDS)

    async def _catch_up(self) -> None:
        """Send the committed events the cursor does not cover (id order), then start from a new horizon."""
        cursor = self.cursor
        read = await _db(feed_events_missed)(
            business_id=self.business_id, cursor=cursor, limit=settings.FEED_CATCH_UP_MAX
        )
        if read is None:  # too far behind: a snapshot is smaller than the backlog
            await self._send_snapshot(reset=True)
            return
        missed, horizon = read
        for event in missed:
            self.cursor = cursor.in_batch(horizon, event["id"])
            # A backlog may exceed the buffer: wait for the client to drain it, up to a point.
            if not await self._send_event(event, wait=SLOW_CLIENT_SECONDS):
                return
        # Everything the client has is now committed in `horizon` (live pushes come after their commit).
        self.cursor = Cursor(horizon=horizon, taken_at=time.time())

    async def _reconcile_periodically(self) -> None:
        """Every ~FEED_RECONCILE_SECONDS, send committed events the cursor does not cover (pushes Redis dropped).

        The read runs without the socket's lock, so live pushes are not held up behind it when many
        sockets' reads queue for the database; what it found is merged under the lock against the
        cursor as it is by then (only what that cursor still does not cover is sent).
        """
        while True:
            await asyncio.sleep(settings.FEED_RECONCILE_SECONDS * random.uniform(0.75, 1.25))  # noqa: S311 (jitter)
            if self._closing:
                return
            try:
                read = await _db(feed_events_missed)(
                    business_id=self.business_id, cursor=self.cursor, limit=settings.FEED_CATCH_UP_MAX
                )
            except Exception:
                logger.warning("feed reconcile failed for business %s", self.business_id, exc_info=True)
                continue
            async with self._lock:
                if self._closing:
                    return
                if read is None:
                    await self._send_snapshot(reset=True)
                    continue
                for event in read[0]:
                    if self.cursor.covers(event_key(event), event["id"]):
                        continue
                    self.cursor = self.cursor.with_delivered(event["id"])
                    if not await self._send_event(event):
                        return
                if len(self.cursor.delivered) >= settings.FEED_CURSOR_MAX_IDS:
                    await self._catch_up()

    # --- writing -------------------------------------------------------------------------------

    async def _send_event(self, event: EventMessage, *, wait: float = 0.0) -> bool:
        public: EventMessage = {k: v for k, v in event.items() if k != "xid"}  # type: ignore[assignment]
        frame: EventFrame = {"type": "event", "cursor": self.cursor.encode(), "event": public}
        return await self._enqueue(frame, wait=wait)

    async def _enqueue(self, frame: SnapshotFrame | EventFrame, *, wait: float = 0.0) -> bool:
        """Queue a frame for the sender; False (and the socket closing as TOO_SLOW) when the client is not reading.

        Live frames never wait: FEED_SEND_BUFFER frames already waiting means the client fell behind.
        A catch-up or snapshot may wait `wait` seconds for room (it is one burst, not a trend).
        """
        if self._closing:
            return False
        text = json.dumps(frame, separators=(",", ":"))
        try:
            if wait:
                await asyncio.wait_for(self._outbox.put(text), wait)
            else:
                self._outbox.put_nowait(text)
        except (asyncio.QueueFull, TimeoutError):
            # Drop the client rather than hold an unbounded backlog for it; it resumes from its cursor.
            await self._close(codes.TOO_SLOW)
            return False
        return True

    async def _send_frames(self) -> None:
        while True:
            text = await self._outbox.get()
            await self.send(text_data=text)

    async def _close_at_expiry(self, exp: int) -> None:
        await asyncio.sleep(max(0.0, exp - time.time()))
        await self._close(codes.TOKEN_EXPIRED)

    async def _refuse(self, code: int, *, subprotocol: str | None = codes.SUBPROTOCOL) -> None:
        # Accept first: a refused handshake reaches a browser without any code.
        self._closing = True
        await self.accept(subprotocol)
        await self.close(code=code)

    async def _close(self, code: int) -> None:
        self._closing = True
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        await self.close(code=code)
