"""What every tool shares: the caller's date and time on both DST nights of Rome, refusals spoken."""

from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from livekit.agents import ToolError

from orders.services import order_place, order_transition
from reservations.services import reservation_transition
from telephony.agent.tools._base import call, caller_datetime
from tests.telephony.agent.conftest import db

SPRING_GAP = "02:30 does not exist on Sunday 29 March: the clocks go forward that night."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "day", "time", "expected"),
    [
        ((2026, 3, 28, 12, 0), "2026-03-29", "01:59", "2026-03-29T01:59:00+01:00"),
        ((2026, 3, 28, 12, 0), "tomorrow", "03:00", "2026-03-29T03:00:00+02:00"),
        ((2026, 3, 29, 12, 0), "today", "19:30", "2026-03-29T19:30:00+02:00"),
        # The night the clocks go back shows 02:00-02:59 twice: the first is meant, as services read it.
        ((2026, 10, 24, 12, 0), "2026-10-25", "02:30", "2026-10-25T02:30:00+02:00"),
        ((2026, 10, 24, 12, 0), "2026-10-25", "03:00", "2026-10-25T03:00:00+01:00"),
        ((2026, 10, 25, 12, 0), "oggi", "1:59", "2026-10-25T01:59:00+02:00"),
    ],
)
def test_the_callers_date_and_time_are_aware_in_the_business_zone(business, at, now, day, time, expected):
    at(*now)
    when = caller_datetime(business, day, time)
    assert when.isoformat() == expected
    assert when.tzinfo == business.tz


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "time"), [("2026-03-29", "02:30"), ("tomorrow", "2:30"), ("2026-03-29", "02.30")])
def test_a_time_the_clocks_skip_is_refused_in_the_services_words_not_moved(business, at, day, time):
    at(2026, 3, 28, 12, 0)
    with pytest.raises(ToolError) as exc:
        caller_datetime(business, day, time)
    assert exc.value.message == SPRING_GAP


@pytest.mark.django_db
def test_the_skipped_hour_is_refused_in_the_businesss_zone_only(make_business, at):
    # New York moves its clocks on 8 March; 02:30 on 29 March exists there.
    at(2026, 3, 7, 12, 0, tz=ZoneInfo("America/New_York"))
    new_york = make_business(timezone="America/New_York")
    assert caller_datetime(new_york, "2026-03-29", "02:30").isoformat() == "2026-03-29T02:30:00-04:00"
    with pytest.raises(ToolError, match="02:30 does not exist on Sunday 08 March"):
        caller_datetime(new_york, "2026-03-08", "02:30")


@pytest.mark.django_db(transaction=True)
async def test_a_tool_says_the_not_found_sentence_and_the_call_goes_on(
    business, outsider_business, menu, taking_orders, at
):
    at(2026, 6, 13, 18, 0)
    failures = []

    def context_of(call_for):
        runner = SimpleNamespace(fail=failures.append)
        return SimpleNamespace(userdata=SimpleNamespace(runner=runner, business_id=call_for.pk))

    context = context_of(business)
    order = await db(order_place)(
        business=business, items=[{"item_id": menu.cola.pk}], customer_name="Giulia", customer_phone="+393331234567"
    )
    with pytest.raises(ToolError) as exc:
        await call(
            context_of(outsider_business), order_transition, business=outsider_business, order_id=order.pk,
            to_status="cancelled",
        )  # fmt: skip
    assert exc.value.message == "We could not find that order."
    with pytest.raises(ToolError) as exc:
        await call(context, reservation_transition, business=business, reservation_id=order.pk, to_status="seated")
    assert exc.value.message == "We could not find that reservation."
    with pytest.raises(ToolError) as exc:
        await call(context, order_transition, business=business, order_id=order.pk, to_status="eaten")
    assert exc.value.message == "'eaten' is not an order status."
    assert failures == []  # the caller's problem, not ours: no apology, no hang-up
