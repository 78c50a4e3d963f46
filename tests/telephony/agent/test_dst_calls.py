"""Calls on the two nights Rome's clocks change (29 March and 25 October 2026), in text mode.

The restaurant is open Saturday 22:00 to Sunday 04:00, so each night crosses the change; the
caller phones at 23:00 on Saturday and asks for times after midnight.
"""

from datetime import UTC, datetime, time

import pytest

from reservations.models import Reservation
from reservations.services import reservation_book
from tests.conftest import ROME
from tests.telephony.agent.conftest import CALLER, ORDERS_NUMBER, db, outputs, tool

pytestmark = pytest.mark.django_db(transaction=True)

SPRING_GAP = "02:30 does not exist on Sunday 29 March: the clocks go forward that night."


@pytest.fixture
def night(business, menu, taking_orders, taking_bookings, trattoria_hours, make_number):
    trattoria_hours(business, [(5, time(22), time(4))])
    make_number(ORDERS_NUMBER, business=business, label="Orders", max_concurrent_calls=2)
    return business


async def test_a_time_the_clocks_skip_is_refused_by_every_tool_that_takes_a_time(night, make_call, at):
    at(2026, 3, 28, 23, 0)
    call = make_call(
        [
            tool("add_to_order", item="coke"), "Una Coca-Cola.",
            tool("review_order", pickup_time="02:30", pickup_date="2026-03-29"), "Quell'ora non esiste.",
            tool("check_availability", date="2026-03-29", party_size=2, time="02:30"), "Non esiste.",
            tool("book_table", date="2026-03-29", time="02:30", party_size=2, name="Notte"), "Non esiste.",
            tool("cancel_reservation", date="2026-03-29", time="02:30"), "Non esiste.",
            tool("check_availability", date="2026-03-29", party_size=2, time="01:30"), "$tool_output",
            tool("book_table", date="2026-03-29", time="03:00", party_size=2, name="Notte"), "$tool_output",
            tool("review_order", pickup_time="03:00", pickup_date="2026-03-29"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    await call.say("Una coca")
    for turn in ("Alle due e mezza", "C'è posto alle 2:30?", "Prenota alle 2:30", "Cancella quella delle 2:30"):
        (refused,) = outputs(await call.say(turn))
        assert refused[1:] == (SPRING_GAP, True), refused
    (after_midnight,) = outputs(await call.say("E all'una e mezza?"))
    assert after_midnight[1] == "01:30 on Sunday 29 March is available for 2."  # a start of Saturday night
    (booked,) = outputs(await call.say("Alle tre allora"))
    assert booked[1] == "Booked: 2 people on Sunday 29 March at 03:00, name Notte."
    (reviewed,) = outputs(await call.say("Ritiro alle tre"))
    assert reviewed[2] is False and "Pickup tomorrow at 03:00" in reviewed[1]
    assert call.runner.session.userdata.pickup_at.isoformat() == "2026-03-29T03:00:00+02:00"
    await call.hang_up()
    (booking,) = await db(lambda: list(Reservation.objects.all()))()
    assert booking.starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 summer time


async def test_a_time_the_clocks_repeat_is_the_first_and_is_said_so(night, make_call, at):
    at(2026, 10, 24, 23, 0)
    call = make_call(
        [
            tool("check_availability", date="2026-10-25", party_size=2, time="02:30"), "$tool_output",
            tool("book_table", date="2026-10-25", time="02:30", party_size=2, name="Notte"), "$tool_output",
            tool("add_to_order", item="coke"), "Una Coca-Cola.",
            tool("review_order", pickup_time="02:30", pickup_date="2026-10-25"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (available,) = outputs(await call.say("Avete posto alle 2:30?"))
    assert available[1] == "02:30 (before the clocks go back) on Sunday 25 October is available for 2."
    (booked,) = outputs(await call.say("Prenoti, a nome Notte"))
    assert booked[1] == "Booked: 2 people on Sunday 25 October at 02:30 (before the clocks go back), name Notte."
    await call.say("Una coca")
    (reviewed,) = outputs(await call.say("La ritiro alle 2:30"))
    assert reviewed[2] is False and "Pickup tomorrow at 02:30" in reviewed[1]
    assert call.runner.session.userdata.pickup_at.isoformat() == "2026-10-25T02:30:00+02:00"
    await call.hang_up()
    booking = await db(Reservation.objects.get)(phone=CALLER)
    assert booking.starts_at.astimezone(ROME).isoformat() == "2026-10-25T02:30:00+02:00"


async def test_a_repeated_time_is_judged_in_real_time_not_by_its_wall_clock(night, make_call, at):
    at(2026, 10, 24, 23, 0)
    # Six of ten seats from 01:30 summer time for 90 real minutes: until the second 02:00.
    await db(reservation_book)(
        business=night, starts_at=datetime(2026, 10, 25, 1, 30), party_size=6, name="Tavolata", phone="+393330000001"
    )
    call = make_call([tool("check_availability", date="2026-10-25", party_size=6, time="02:30"), "$tool_output"])
    await call.start()
    (answer,) = outputs(await call.say("Alle 2:30 per sei?"))
    # The first 02:30 is taken; the second (an hour later) is free, but it is another time.
    assert answer[1] == (
        "02:30 (before the clocks go back) is not available; the nearest free times are "
        "02:00 (after the clocks go back), 02:30 (after the clocks go back), 03:00."
    )
    await call.hang_up()
