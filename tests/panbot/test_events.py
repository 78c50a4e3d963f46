"""The outbox: rows in the caller's transaction, pushes only after commit, over real Redis."""

import asyncio
from decimal import Decimal

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

    def __init__(self, business_id: int):
        self.loop = asyncio.new_event_loop()
        self.layer = get_channel_layer()
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
        self.loop.run_until_complete(self.layer.flush())
        self.loop.close()


@pytest.fixture
def listener(business):
    listener = _Listener(business.pk)
    yield listener
    listener.close()


def test_the_channel_layer_is_redis():
    assert type(get_channel_layer()).__module__.startswith("channels_redis")


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
