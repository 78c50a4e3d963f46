"""What a connected staff client receives: a snapshot, then every event in commit order, nothing twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from channels.db import database_sync_to_async as db
from django.db import transaction

from panbot.events import emit, events_prune
from panbot.feed import codes
from panbot.models import Event
from restaurants.models import Membership
from tests.panbot.feed.kit import closed_with, nothing_more, receive, receive_events, socket, token_for

pytestmark = pytest.mark.django_db(transaction=True)
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def staff(business, member):
    return member(business, Membership.Role.STAFF)


@pytest.fixture
def token(staff):
    return token_for(staff)


async def open_feed(business_id: int, token: str, cursor: str | None = None, **kwargs):
    communicator = socket(business_id, token, cursor=cursor, **kwargs)
    connected, subprotocol = await communicator.connect(timeout=10)
    assert (connected, subprotocol) == (True, "panbot.v1")
    return communicator, await receive(communicator)


def ids(frames: list[dict]) -> list[int]:
    return [frame["event"]["id"] for frame in frames]


@db
def emit_committed(business_id: int, n: int, type: str = "order.updated") -> list[int]:
    """`n` events, each in its own committed transaction."""
    return [emit(business_id, type, {"n": i}).pk for i in range(n)]


async def test_snapshot_has_todays_open_orders_todays_and_tomorrows_bookings_and_live_calls(
    business, outsider_business, staff, make_menu, taking_orders, taking_bookings, make_number, make_live_call, at
):
    from orders.services import order_place
    from reservations.services import reservation_book

    @db
    def world():
        at(2026, 6, 13, 18, 0)  # Saturday evening in Rome
        menu = make_menu(business)
        line = [{"item_id": menu.cola.pk, "quantity": 1}]
        today = order_place(business=business, items=line, customer_name="Giulia", customer_phone="3331234567")
        later = order_place(
            business=business, items=line, customer_name="Marco", customer_phone="3331234568",
            pickup_at=datetime(2026, 6, 14, 19, 30, tzinfo=ROME),
        )  # fmt: skip
        tonight = reservation_book(
            business=business, starts_at=datetime(2026, 6, 13, 20, 0), party_size=2, name="Rossi", phone="3331112222"
        )
        tomorrow = reservation_book(
            business=business, starts_at=datetime(2026, 6, 14, 20, 0), party_size=4, name="Bianchi", phone="3331112223"
        )
        number = make_number(business=business, label="Orders")
        call = make_live_call(number)
        other_number = make_number(business=outsider_business)
        make_live_call(other_number)  # another business's call: not in this snapshot
        assert later.pk
        return today, tonight, tomorrow, call, token_for(staff)

    today, tonight, tomorrow, call, token = await world()
    communicator, snapshot = await open_feed(business.pk, token)
    assert snapshot["type"] == "snapshot" and "reset" not in snapshot and snapshot["cursor"]
    assert [o["order_id"] for o in snapshot["orders"]] == [today.pk]  # tomorrow's pickup is not today's
    assert snapshot["orders"][0]["lines"][0]["name"] == "Coca-Cola"
    assert [r["reservation_id"] for r in snapshot["reservations"]] == [tonight.pk, tomorrow.pk]
    assert [(c["active_call_id"], c["label"], c["caller"]) for c in snapshot["calls"]] == [
        (call.pk, "Orders", "+393331112222")
    ]
    assert await nothing_more(communicator)  # the events of those writes are in the snapshot, not repeated
    await communicator.disconnect()


async def test_a_live_call_on_a_number_reassigned_since_does_not_show_the_new_holders_label(
    business, outsider_business, token, make_number, make_live_call, stakeholder
):
    from telephony import services

    @db
    def reassigned_during_a_call():
        number = make_number(business=business, label="Orders")
        call = make_live_call(number)
        services.number_assign(sip_number=number, business=outsider_business, by=stakeholder)
        services.number_update(sip_number=number, by=stakeholder, label="Sushi takeaway")
        return call

    call = await reassigned_during_a_call()
    communicator, snapshot = await open_feed(business.pk, token)
    assert [(c["active_call_id"], c["label"]) for c in snapshot["calls"]] == [(call.pk, "")]
    await communicator.disconnect()


async def test_events_arrive_in_commit_order_each_with_a_cursor(business, token):
    communicator, _ = await open_feed(business.pk, token)
    emitted = await emit_committed(business.pk, 30)
    frames = await receive_events(communicator, 30)
    assert ids(frames) == emitted
    assert frames[0]["event"]["payload"] == {"n": 0} and frames[0]["event"]["type"] == "order.updated"
    assert set(frames[0]["event"]) == {"id", "type", "business_id", "payload", "created_at"}
    assert len({frame["cursor"] for frame in frames}) == 30
    assert await nothing_more(communicator)
    await communicator.disconnect()


async def test_other_businesses_events_never_reach_the_socket(business, outsider_business, token):
    communicator, _ = await open_feed(business.pk, token)
    await emit_committed(outsider_business.pk, 3)
    (mine,) = await emit_committed(business.pk, 1)
    assert ids(await receive_events(communicator, 1)) == [mine]
    assert await nothing_more(communicator)
    await communicator.disconnect()


async def test_resume_delivers_exactly_what_was_missed(business, token):
    communicator, _ = await open_feed(business.pk, token)
    seen = await emit_committed(business.pk, 5)
    frames = await receive_events(communicator, 5)
    last_cursor = frames[2]["cursor"]  # the client handled three, then the connection dropped
    await communicator.disconnect()
    missed = await emit_committed(business.pk, 4)  # committed while it was away

    resumed = socket(business.pk, token, cursor=last_cursor)
    assert (await resumed.connect(timeout=10))[0]
    frames = await receive_events(resumed, 6)
    assert ids(frames) == seen[3:] + missed
    assert await nothing_more(resumed)
    # Live events keep flowing after the catch-up, and resuming from the newest cursor repeats nothing.
    (live,) = await emit_committed(business.pk, 1)
    frames.append(*(await receive_events(resumed, 1)))
    assert ids(frames[-1:]) == [live]
    await resumed.disconnect()
    again = socket(business.pk, token, cursor=frames[-1]["cursor"])
    assert (await again.connect(timeout=10))[0]
    assert await nothing_more(again, 1.0)
    await again.disconnect()


async def test_an_event_that_commits_after_a_later_numbered_one_is_delivered_once(business, token):
    """Ids follow inserts: A takes id n, B takes n+1 and commits, A commits later. Nothing is skipped."""
    a_inserted, b_committed, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    ids_of: dict[str, int] = {}

    def transaction_a():
        with transaction.atomic():
            ids_of["a"] = emit(business.pk, "order.created", {"who": "A"}).pk
            a_inserted.set()
            assert a_may_commit.wait(20)

    def transaction_b():
        assert a_inserted.wait(20)
        with transaction.atomic():
            ids_of["b"] = emit(business.pk, "order.created", {"who": "B"}).pk
        b_committed.set()

    live, _ = await open_feed(business.pk, token)
    away, snapshot = await open_feed(business.pk, token)
    await away.disconnect()  # this client is away for the whole interleaving, resuming twice

    threads = [threading.Thread(target=transaction_a), threading.Thread(target=transaction_b)]
    for thread in threads:
        thread.start()
    assert await db(b_committed.wait)(20)
    assert ids_of["a"] < ids_of["b"]  # the interleaving really happened

    (b_frame,) = await receive_events(live, 1)
    assert ids([b_frame]) == [ids_of["b"]]
    first = socket(business.pk, token, cursor=snapshot["cursor"])
    assert (await first.connect(timeout=10))[0]
    (resumed_b,) = await receive_events(first, 1)
    assert ids([resumed_b]) == [ids_of["b"]]
    assert await nothing_more(first)
    await first.disconnect()

    a_may_commit.set()
    for thread in threads:
        await db(thread.join)(20)

    (a_frame,) = await receive_events(live, 1)
    assert ids([a_frame]) == [ids_of["a"]]  # commit order: B, then A
    assert await nothing_more(live)
    await live.disconnect()

    # A cursor that already saw id B (> A) still gets A: "after the last id" would have lost it.
    second = socket(business.pk, token, cursor=resumed_b["cursor"])
    assert (await second.connect(timeout=10))[0]
    (resumed_a,) = await receive_events(second, 1)
    assert ids([resumed_a]) == [ids_of["a"]]
    assert await nothing_more(second)
    await second.disconnect()
    # And from the live client's cursors: after B it gets A; after A, nothing.
    for cursor, expected in ((b_frame["cursor"], [ids_of["a"]]), (a_frame["cursor"], [])):
        client = socket(business.pk, token, cursor=cursor)
        assert (await client.connect(timeout=10))[0]
        assert ids(await receive_events(client, len(expected))) == expected
        assert await nothing_more(client)
        await client.disconnect()


async def test_a_cursor_older_than_retention_gets_a_new_snapshot_with_reset(business, token, settings):
    communicator, snapshot = await open_feed(business.pk, token)
    await communicator.disconnect()
    await emit_committed(business.pk, 3)
    with time_machine.travel(datetime.now(tz=ROME) + timedelta(hours=settings.EVENT_RETENTION_HOURS + 1), tick=True):
        assert await db(events_prune)(older_than_hours=settings.EVENT_RETENTION_HOURS) == 3
        fresh_token = await db(token_for)(await db(lambda: business.memberships.get().user)())
        resumed = socket(business.pk, fresh_token, cursor=snapshot["cursor"])
        assert (await resumed.connect(timeout=10))[0]
        frame = await receive(resumed)
        assert (frame["type"], frame["reset"]) == ("snapshot", True)
        assert await nothing_more(resumed)
        await resumed.disconnect()


async def test_an_unreadable_cursor_gets_a_new_snapshot_with_reset(business, token):
    for cursor in ("garbage", "eyJ2IjoyfQ", "e30"):
        resumed = socket(business.pk, token, cursor=cursor)
        assert (await resumed.connect(timeout=10))[0]
        frame = await receive(resumed)
        assert (frame["type"], frame.get("reset")) == ("snapshot", True)
        await resumed.disconnect()


async def test_a_client_too_far_behind_gets_a_new_snapshot(business, token, settings):
    settings.FEED_CATCH_UP_MAX = 10
    communicator, snapshot = await open_feed(business.pk, token)
    await communicator.disconnect()
    await emit_committed(business.pk, 11)
    resumed = socket(business.pk, token, cursor=snapshot["cursor"])
    assert (await resumed.connect(timeout=10))[0]
    frame = await receive(resumed)
    assert (frame["type"], frame["reset"]) == ("snapshot", True)
    await resumed.disconnect()


def test_pruning_deletes_only_old_events_in_batches(business):
    old = [emit(business.pk, "order.updated", {"n": n}).pk for n in range(7)]
    with time_machine.travel(datetime.now(tz=ROME) + timedelta(hours=73), tick=True):
        recent = emit(business.pk, "order.updated", {"n": 99}).pk
        assert events_prune(older_than_hours=72, batch_size=3) == 7
        assert events_prune(older_than_hours=72, batch_size=3) == 0  # idempotent
    assert list(Event.objects.values_list("id", flat=True)) == [recent]
    assert old


def test_pruning_is_scheduled_by_beat(settings):
    from panbot.tasks import prune_events

    entry = settings.CELERY_BEAT_SCHEDULE["prune-events"]
    assert entry["task"] == prune_events.name == "panbot.tasks.prune_events"
    assert settings.EVENT_RETENTION_HOURS == 72


async def test_removing_the_members_role_closes_their_socket_with_revoked(business, member, staff, token):
    from restaurants.services import membership_remove

    colleague = await db(member)(business, Membership.Role.STAFF)
    theirs, _ = await open_feed(business.pk, await db(token_for)(colleague))
    mine, _ = await open_feed(business.pk, token)
    await db(lambda: membership_remove(membership=Membership.objects.get(user=staff)))()
    assert await closed_with(mine) == codes.REVOKED
    (event,) = await emit_committed(business.pk, 1)
    assert ids(await receive_events(theirs, 1)) == [event]  # the colleague's socket is untouched
    await theirs.disconnect()


async def test_a_role_change_closes_the_socket_and_a_fresh_token_reconnects(business, staff, token):
    from restaurants.services import membership_set

    mine, _ = await open_feed(business.pk, token)
    await db(membership_set)(business=business, user=staff, role=Membership.Role.MANAGER)
    assert await closed_with(mine) == codes.REVOKED
    again, snapshot = await open_feed(business.pk, await db(token_for)(staff))
    assert snapshot["type"] == "snapshot"
    await again.disconnect()


async def test_the_socket_closes_when_its_token_expires(business, staff):
    short = await db(token_for)(staff, lifetime=timedelta(seconds=2))
    communicator, _ = await open_feed(business.pk, short)
    assert await closed_with(communicator, timeout=6) == codes.TOKEN_EXPIRED


async def test_a_slow_client_is_closed_without_holding_up_others_and_resumes(business, token, settings):
    import asyncio

    from tests.panbot.feed.kit import app

    settings.FEED_SEND_BUFFER = 10
    allowed = {"sends": 1}  # the snapshot goes out, then this client's socket stops draining
    stuck = asyncio.Event()

    async def stalling(scope, receive_, send):
        async def send_(message):
            if message["type"] == "websocket.send":
                if allowed["sends"] <= 0:
                    await stuck.wait()
                allowed["sends"] -= 1
            await send(message)

        return await app()(scope, receive_, send_)

    slow, slow_snapshot = await open_feed(business.pk, token, application=stalling)
    fast, _ = await open_feed(business.pk, token)
    emitted = await emit_committed(business.pk, 30)
    assert ids(await receive_events(fast, 30)) == emitted  # not held up by the stuck one
    assert await closed_with(slow) == codes.TOO_SLOW
    await fast.disconnect()

    resumed = socket(business.pk, token, cursor=slow_snapshot["cursor"])
    assert (await resumed.connect(timeout=10))[0]
    assert ids(await receive_events(resumed, 30)) == emitted
    assert await nothing_more(resumed)
    await resumed.disconnect()
