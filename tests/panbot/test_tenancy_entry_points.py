"""Every way into the code sets its own tenancy scope (panbot.tenancy): run from the state production
starts in (no scope at all), each entry point works, and reads its own business only.

The suite's test code runs platform-wide (tests/conftest.py) and its HTTP requests run as in
production (tests/tenancy.py), so these are the entry points without a request: beat's tasks, the
feed socket, the call path with the agent's tools, the CSV export's streamed body and the
operators' commands.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from analytics.models import CallHourlyRollup
from orders.models import Order, OrderSettings, OrderStatus
from orders.services import order_place
from panbot import tasks as panbot_tasks
from panbot.events import emit
from panbot.models import Event
from printing import tasks as printing_tasks
from restaurants.models import Business, Membership
from telephony import services as telephony_services
from telephony import tasks as telephony_tasks
from telephony.models import ActiveCall, CallRecord
from tests.analytics.calls import finished_call, local
from tests.analytics.test_api import export_url
from tests.panbot.feed.kit import receive, socket, token_for
from tests.telephony.leases import age_call
from tests.tenancy import production_tenancy

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "simulate" / "order_pizza.json"
SATURDAY_EVENING = (2026, 6, 13, 18, 0)


def place(business, menu, name="Giulia") -> Order:
    return order_place(
        business=business, items=[{"item_id": menu.cola.pk}], customer_name=name, customer_phone="333 123 4567"
    )


@pytest.mark.django_db
def test_beats_tasks_run_platform_wide_from_no_scope(at, business, menu, taking_orders, make_number, settings):
    from orders import tasks as orders_tasks

    at(*SATURDAY_EVENING)
    waiting = place(business, menu)
    old = emit(business.pk, "order.updated", {"n": 1})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=200))
    number = make_number(business=business)
    ghost = telephony_services.call_admit(
        called=number.number, caller="+393331112222", sip_call_id="ghost", room_name="call-ghost"
    )
    age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)  # its agent stopped heartbeating
    with production_tenancy(), time_machine.travel(timezone.now() + timedelta(minutes=10)):
        orders_tasks.flag_unacknowledged_orders.delay()
        panbot_tasks.prune_events.delay()
        telephony_tasks.reap_stale_calls.delay()
        printing_tasks.resume_print_jobs.delay()
    assert Event.objects.filter(type="order.unacknowledged", payload__order_id=waiting.pk).exists()
    assert not Event.objects.filter(pk=old.pk).exists()
    assert not ActiveCall.objects.filter(pk=ghost.active_call_id).exists()
    assert CallRecord.objects.get(pk=ghost.call_record_id).ended_at is not None


@pytest.mark.django_db(transaction=True)
async def test_the_feed_socket_reads_its_own_business_from_no_scope(
    at, business, outsider_business, menu, make_menu, taking_orders, trattoria_hours, member
):
    from channels.db import database_sync_to_async as db

    at(*SATURDAY_EVENING)
    staff = await db(member)(business, Membership.Role.STAFF)
    ours = await db(place)(business, menu)

    def theirs() -> Order:
        trattoria_hours(outsider_business)
        OrderSettings.objects.create(business=outsider_business, lead_time_minutes=20)
        return place(outsider_business, make_menu(outsider_business))

    await db(theirs)()
    token = await db(token_for)(staff)
    with production_tenancy():  # the consumer's task starts in this state, as under daphne
        communicator = socket(business.pk, token)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    snapshot = await receive(communicator)
    assert [order["order_id"] for order in snapshot["orders"]] == [ours.pk]
    await db(emit)(business.pk, "order.updated", {"order_id": ours.pk})
    frame = await receive(communicator)
    assert frame["type"] == "event" and frame["event"]["payload"] == {"order_id": ours.pk}
    await communicator.disconnect()


@pytest.fixture
def demo(settings, at):
    settings.DEBUG = True
    with production_tenancy():  # an operator's command, from no scope
        call_command("seed_demo", "--no-calls", stdout=io.StringIO())
    settings.DEBUG = False
    at(2026, 6, 13, 19, 30)  # Saturday evening in Florence: the trattoria is open
    return Business.objects.get(slug="trattoria-da-mario")


@pytest.mark.django_db(transaction=True)
def test_a_whole_call_with_the_agents_tools_and_the_operators_commands_from_no_scope(demo):
    with production_tenancy():
        out = io.StringIO()
        call_command("simulate_call", "--to", "+39 055 123 4567", "--script", str(SCRIPT), stdout=out)
        call_command("analytics_rebuild", "--business", str(demo.pk), stdout=io.StringIO(), stderr=io.StringIO())
        rules, token = io.StringIO(), io.StringIO()
        call_command("firewall_rules", stdout=rules)
        call_command("print_agent_token", "--business", demo.slug, "--name", "Kitchen PC", stdout=token)
    assert "Order placed: ticket number 1" in out.getvalue()
    assert "table inet panbot" in rules.getvalue() and "pa_" in token.getvalue()
    (order,) = Order.objects.all()
    assert order.business_id == demo.pk and order.status == OrderStatus.NEW
    assert CallHourlyRollup.objects.filter(business=demo).exists()


@pytest.mark.django_db
def test_the_csv_export_streams_its_rows_after_the_view_returned(world):
    call = finished_call(world.own.business, world.own.number, local("Europe/Rome", 2026, 5, 4, 12, 0))
    response = world.client("manager").get(export_url(world.own.business, **{"from": "2026-05-04", "to": "2026-05-04"}))
    assert response.status_code == 200
    with production_tenancy():  # the server iterates the body with no scope, after the view returned
        body = b"".join(response.streaming_content).decode()
    assert str(call.pk) in body.splitlines()[1]
