"""What every tool shares: refusals spoken."""

from types import SimpleNamespace

import pytest
from livekit.agents import ToolError

from orders.services import order_place, order_transition
from reservations.services import reservation_transition
from telephony.agent.tools._base import call
from tests.telephony.agent.conftest import db


@pytest.mark.django_db(transaction=True)
async def test_a_tool_says_the_not_found_sentence_and_the_call_goes_on(
    business, outsider_business, menu, taking_orders, at
):
    at(2026, 6, 13, 18, 0)
    failures = []
    context = SimpleNamespace(userdata=SimpleNamespace(runner=SimpleNamespace(fail=failures.append)))
    order = await db(order_place)(
        business=business, items=[{"item_id": menu.cola.pk}], customer_name="Giulia", customer_phone="+393331234567"
    )
    with pytest.raises(ToolError) as exc:
        await call(context, order_transition, business=outsider_business, order_id=order.pk, to_status="cancelled")
    assert exc.value.message == "We could not find that order."
    with pytest.raises(ToolError) as exc:
        await call(context, reservation_transition, business=business, reservation_id=order.pk, to_status="seated")
    assert exc.value.message == "We could not find that reservation."
    with pytest.raises(ToolError) as exc:
        await call(context, order_transition, business=business, order_id=order.pk, to_status="eaten")
    assert exc.value.message == "'eaten' is not an order status."
    assert failures == []  # the caller's problem, not ours: no apology, no hang-up
