"""Call events reach the business's live feed over real Redis, and only once the admission commits."""

import pytest

from telephony import services
from tests.panbot.test_events import _Listener


@pytest.fixture
def listener(business):
    listener = _Listener(business.pk)
    yield listener
    listener.close()


def next_call_event(listener):
    while (message := listener.receive()) is not None:
        if message["event"]["type"].startswith("call."):
            return message["event"]
    return None


@pytest.mark.django_db(transaction=True)
def test_call_started_and_ended_are_pushed_to_the_business_feed(make_number, business, listener):
    number = make_number(business=business)
    admission = services.call_admit(called=number.number, caller="+393331234567", sip_call_id="SCL_push", room_name="r")

    started = next_call_event(listener)
    assert started["type"] == "call.started"
    assert started["payload"]["call_record_id"] == admission.call_record_id

    services.call_end(active_call_id=admission.active_call_id, reason="caller_hangup")
    ended = next_call_event(listener)
    assert ended["type"] == "call.ended"
    assert ended["id"] > started["id"]
