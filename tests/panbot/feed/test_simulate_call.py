"""Done when: a staff socket for the demo restaurant shows simulate_call's order within a second of its commit."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async as db
from django.core.management import call_command
from django.db import connection

from orders.models import Order
from panbot.tenancy import in_business_scope
from restaurants.models import Membership
from tests.panbot.feed.kit import receive, socket, token_for

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "simulate" / "order_pizza.json"


@pytest.fixture
def demo_staff(settings, at):
    settings.DEBUG = True
    call_command("seed_demo", "--no-calls", stdout=io.StringIO())  # the demo's past calls placed orders too
    settings.DEBUG = False
    at(2026, 6, 13, 19, 30)  # Saturday evening in Florence: the trattoria is open
    membership = Membership.objects.select_related("business", "user").get(
        business__slug="trattoria-da-mario", role=Membership.Role.STAFF
    )
    return membership.business, membership.user


async def test_a_staff_socket_shows_simulate_calls_order_within_a_second_of_its_commit(demo_staff):
    business, staff = demo_staff
    communicator = socket(business.pk, await db(token_for)(staff))
    assert (await communicator.connect(timeout=10))[0]
    snapshot = await receive(communicator)
    assert snapshot["type"] == "snapshot" and snapshot["orders"] == []

    committed_at: dict[str, float] = {}

    def watch_for_the_commit() -> None:
        # An independent observer: the first moment another connection can see the order. It keeps
        # polling after the frame arrived (on a busy machine it may see the commit a little late).
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if in_business_scope(business.pk, Order.objects.exists):
                    committed_at["t"] = time.monotonic()
                    return
                time.sleep(0.005)
        finally:
            connection.close()

    def simulate() -> None:
        try:
            call_command("simulate_call", "--to", "+39 055 123 4567", "--script", str(SCRIPT), stdout=io.StringIO())
        finally:
            connection.close()

    # The call runs beside the socket, as the agent worker does: its own thread, its own loop.
    threads = [threading.Thread(target=watch_for_the_commit), threading.Thread(target=simulate)]
    for thread in threads:
        thread.start()
    try:
        while True:
            frame = await receive(communicator, timeout=30)
            if frame["event"]["type"] == "order.created":
                shown_at = time.monotonic()
                break
    finally:
        for thread in threads:
            await asyncio.to_thread(thread.join, 30)
    order = await db(Order.objects.get)(business=business)
    assert frame["event"]["payload"]["order_id"] == order.pk
    assert frame["event"]["payload"]["total"] == "26.50"
    assert "t" in committed_at
    assert shown_at - committed_at["t"] < 1.0
    await communicator.disconnect()
