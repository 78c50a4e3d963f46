"""Conversations in LiveKit Agents' text mode with a scripted model: every tool's happy path and refusal."""

import contextlib
from datetime import datetime
from decimal import Decimal

import pytest

from orders.models import Order
from reservations.models import Reservation
from reservations.services import reservation_book
from telephony.models import CallRecord
from tests.telephony.agent.conftest import CALLER, STAFF, db, outputs, said, tool

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_MARGHERITA = tool("add_to_order", item="marghe", quantity=2, options=["Maxi", "Burrata"])


async def test_the_agent_greets_with_the_numbers_greeting_and_knows_the_restaurant(restaurant, make_call):
    call = make_call(["Certo!"])
    await call.start()
    history = [item.text_content for item in call.runner.session.history.items if item.type == "message"]
    assert history[0] == "Trattoria Da Mario, ordini: cosa le preparo?"
    instructions = call.runner.session.current_agent.instructions
    assert restaurant.business.name in instructions
    assert "Margherita" in instructions and "Lasagne al forno" in instructions  # sold out, named as such
    assert "Saturday 13 June 2026 18:00" in instructions
    assert CALLER in instructions
    assert "Do you have parking?" in instructions
    await call.hang_up()


async def test_order_is_built_read_back_confirmed_and_placed_once(restaurant, make_call):
    call = make_call(
        [
            ORDER_MARGHERITA, "Due Margherita maxi con burrata. Altro?",
            tool("add_to_order", item="coke"), "Una Coca-Cola.",
            tool("review_order", pickup_time="19:30"), "$tool_output",
            tool("place_order", customer_name="Rossi", caller_confirmed=True), "$tool_output",
            tool("place_order", customer_name="Rossi", caller_confirmed=True), "Già fatto!",
        ]
    )  # fmt: skip
    await call.start()
    (added,) = outputs(await call.say("Due margherite maxi con burrata"))
    assert added[0] == "add_to_order" and not added[2]
    assert "2 Margherita (Maxi, Burrata)" in added[1] and "30.00" in added[1]
    await call.say("E una coca")
    review = await call.say("Quant'è? Passo alle 19:30")
    (reviewed,) = outputs(review)
    assert "33.00" in reviewed[1] and "19:30" in reviewed[1]
    assert said(review) == [reviewed[1]]  # the model read back exactly what the service priced

    (placed,) = outputs(await call.say("Sì, confermo. Rossi."))
    assert "ticket number 1" in placed[1] and "33.00" in placed[1] and "19:30" in placed[1]
    (again,) = outputs(await call.say("Ha preso l'ordine?"))
    assert "already placed" in again[1]

    record = await call.hang_up()
    orders = await db(lambda: list(Order.objects.filter(call=record).prefetch_related("lines")))()
    assert len(orders) == 1
    order = orders[0]
    assert (order.total, order.customer_phone, order.customer_name) == (Decimal("33.00"), CALLER, "Rossi")
    assert order.business_id == restaurant.business.pk
    assert [(line.name, line.quantity, line.line_total) for line in order.lines.all()] == [
        ("Margherita", 2, Decimal("30.00")),
        ("Coca-Cola", 1, Decimal("3.00")),
    ]


async def test_order_is_not_placed_before_the_caller_confirms_or_hears_it(restaurant, make_call):
    call = make_call(
        [
            tool("add_to_order", item="Diavola"), "Una diavola.",
            tool("place_order", customer_name="Rossi", caller_confirmed=True), "Devo prima rileggere.",
            tool("review_order"), "$tool_output",
            tool("place_order", customer_name="Rossi", caller_confirmed=False), "Conferma?",
            tool("add_to_order", item="Tiramisù"), "Anche un tiramisù.",
            tool("place_order", customer_name="Rossi", caller_confirmed=True), "Rileggo.",
        ]
    )  # fmt: skip
    await call.start()
    await call.say("Una diavola")
    (unreviewed,) = outputs(await call.say("Ordina subito"))
    assert unreviewed[2] and "changed since it was read back" in unreviewed[1]
    await call.say("Quanto è?")
    (unconfirmed,) = outputs(await call.say("Mmm, non so"))
    assert unconfirmed[2] and "Read the order back" in unconfirmed[1]
    await call.say("Aggiungi un tiramisù")
    (changed,) = outputs(await call.say("Sì, vai"))
    assert changed[2] and "changed since it was read back" in changed[1]
    await call.hang_up()
    assert await db(Order.objects.count)() == 0


@pytest.mark.parametrize(
    ("item", "options", "fragment"),
    [
        ("Lasagne al forno", [], "Lasagne al forno is sold out"),
        ("sushi", [], "'sushi' is not on our menu"),
        ("Margherita", ["Pineapple"], "Margherita has no option 'Pineapple'. Its options are: Normale, Maxi"),
        ("Margherita", [], "Margherita needs a choice of size."),  # a required choice missing
        ("Margherita", ["Maxi", "Acciughe"], "Acciughe"),  # a sold-out option
    ],
)
async def test_order_refusals_are_spoken_and_leave_the_order_unchanged(restaurant, make_call, item, options, fragment):
    call = make_call([tool("add_to_order", item=item, options=options), "Mi dispiace."])
    await call.start()
    (refused,) = outputs(await call.say(f"Vorrei {item}"))
    assert refused[2], refused
    assert fragment in refused[1]
    assert call.runner.session.userdata.cart == []
    record = await call.hang_up()
    assert record.reason == CallRecord.Reason.CALLER_HANGUP


async def test_unsure_names_are_asked_back_not_guessed(restaurant, make_call):
    from orders.models import MenuItem

    for name in ("Quattro formaggi", "Quattro stagioni"):
        await db(MenuItem.objects.create)(
            business=restaurant.business, category=restaurant.menu.margherita.category, name=name, price=Decimal("10")
        )
    call = make_call([tool("search_menu", name="margarita"), "$tool_output", tool("add_to_order", item="quattro"), "?"])
    await call.start()
    (found,) = outputs(await call.say("C'è la margarita?"))
    assert found[1].startswith(f"#{restaurant.menu.margherita.pk} Margherita")
    (ambiguous,) = outputs(await call.say("Una quattro"))
    assert ambiguous[2] and "did they mean Quattro formaggi or Quattro stagioni?" in ambiguous[1]
    await call.hang_up()


async def test_order_status_for_the_callers_number(restaurant, make_call):
    from orders.services import order_place

    await db(order_place)(
        business=restaurant.business, items=[{"item_id": restaurant.menu.cola.pk, "quantity": 1}],
        customer_name="Bianchi", customer_phone="333 111 2222",
    )  # fmt: skip
    call = make_call([tool("order_status"), "$tool_output"])
    await call.start()
    (status,) = outputs(await call.say("Dov'è il mio ordine?"))
    assert "Ticket 1 for Bianchi" in status[1] and "New" in status[1]
    await call.hang_up()


async def test_booking_a_table_then_finding_and_cancelling_it(restaurant, make_call):
    call = make_call(
        [
            tool("check_availability", date="2026-06-13", party_size=4), "$tool_output",
            tool("book_table", date="2026-06-13", time="20:00", party_size=4, name="Verdi", notes="seggiolone"),
            "$tool_output",
            tool("find_my_reservations"), "$tool_output",
            tool("cancel_reservation", date="2026-06-13"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (available,) = outputs(await call.say("Avete posto stasera per quattro?"))
    assert "Free times for 4 on Saturday 13 June: 19:00" in available[1]
    (booked,) = outputs(await call.say("Alle otto, a nome Verdi"))
    assert booked[1] == "Booked: 4 people on Saturday 13 June at 20:00, name Verdi."
    (found,) = outputs(await call.say("Ho una prenotazione?"))
    assert "Saturday 13 June at 20:00, 4 people, name Verdi: Confirmed" in found[1]
    (cancelled,) = outputs(await call.say("Cancellala per favore"))
    assert cancelled[1] == "Cancelled the reservation for 4 on Saturday 13 June at 20:00."
    record = await call.hang_up()
    booking = await db(Reservation.objects.get)(call=record)
    assert (booking.phone, booking.status, booking.notes) == (CALLER, "cancelled", "seggiolone")


async def test_booking_refusals(restaurant, make_call):
    # Fill 19:00 on Saturday: 10 seats per slot in the test restaurant.
    await db(reservation_book)(
        business=restaurant.business, starts_at=datetime(2026, 6, 13, 19, 0), party_size=6,
        name="Big table", phone="+393330000001",
    )  # fmt: skip
    await db(reservation_book)(
        business=restaurant.business, starts_at=datetime(2026, 6, 13, 19, 0), party_size=4,
        name="Another", phone="+393330000002",
    )  # fmt: skip
    call = make_call(
        [
            tool("check_availability", date="2026-06-13", party_size=7), "Troppi.",
            tool("book_table", date="2026-06-13", time="19:00", party_size=2, name="Neri"), "Pieno.",
            tool("check_availability", date="2026-06-15", party_size=2), "$tool_output",
            tool("check_availability", date="2026-06-13", party_size=2, time="19:00"), "$tool_output",
            tool("book_table", date="sabato", time="20:00", party_size=2, name="Neri"), "?",
        ]
    )  # fmt: skip
    await call.start()
    (too_large,) = outputs(await call.say("Siamo in sette"))
    assert too_large[2]
    assert too_large[1] == (
        "We can book tables for up to 6 people by phone; for a larger group please speak with the restaurant."
    )
    (full,) = outputs(await call.say("Alle 19 in due"))
    assert full[2] and full[1].startswith("We have no table for 2") and "we have tables at" in full[1]
    (closed,) = outputs(await call.say("E lunedì?"))
    assert "No table for 2 on Monday 15 June" in closed[1]
    (nearest,) = outputs(await call.say("Davvero alle 19 niente?"))
    assert "19:00 is not available; the nearest free times are" in nearest[1]
    (bad_date,) = outputs(await call.say("Sabato alle 20"))
    assert bad_date[2] and "give it as YYYY-MM-DD" in bad_date[1]
    await call.hang_up()
    assert await db(Reservation.objects.filter(name="Neri").count)() == 0


async def test_questions_are_answered_from_the_restaurants_facts(restaurant, make_call):
    call = make_call(
        [tool("restaurant_info"), "$tool_output", tool("search_faq", question="parcheggio parking"), "$tool_output"]
    )
    await call.start()
    (info,) = outputs(await call.say("Siete aperti adesso?"))
    assert "Closed now." in info[1] and "Saturday" in info[1]
    (faq,) = outputs(await call.say("Avete il parcheggio?"))
    assert "free parking behind us" in faq[1]
    await call.hang_up()


async def test_transfer_to_staff(restaurant, make_call, fake_livekit):
    call = make_call([tool("transfer_to_staff", reason="allergy question"), "Vi passo un collega."])
    await call.start()
    await call.say("Vorrei parlare con qualcuno")
    await call.runner.finished.wait()
    (transfer,) = [r for r in fake_livekit.requests if r.method == "TransferSIPParticipant"]
    assert transfer.body.transfer_to == f"tel:{STAFF}"
    assert transfer.body.participant_identity == f"sip_{CALLER}"
    record = await call.record()
    assert (record.status, record.reason) == ("completed", "transferred")
    assert not await call.slot_taken()


async def test_failed_transfer_keeps_the_call_going(restaurant, make_call, fake_livekit):
    fake_livekit.busy_numbers.add(STAFF)
    call = make_call([tool("transfer_to_staff"), "Sono tutti occupati, posso aiutarla io?"])
    await call.start()
    (refused,) = outputs(await call.say("Mi passi qualcuno"))
    assert refused[2] and "staff are busy" in refused[1]
    assert not call.runner.finished.is_set() and await call.slot_taken()
    await call.hang_up()


async def test_without_a_transfer_number_the_agent_says_so(restaurant, make_call):
    restaurant.business.transfer_number = ""
    await db(restaurant.business.save)()
    call = make_call([tool("transfer_to_staff"), "Nessuno disponibile."])
    await call.start()
    (refused,) = outputs(await call.say("Un operatore!"))
    assert refused[2] and "Nobody can take a transferred call" in refused[1]
    await call.hang_up()


async def test_end_call_hangs_up_as_the_agent(restaurant, make_call):
    call = make_call([tool("end_call"), "Arrivederci!"])
    await call.start()
    with contextlib.suppress(RuntimeError):  # the session may close under the turn's last reply
        await call.say("Grazie, è tutto")
    await call.runner.finished.wait()
    record = await call.record()
    assert (record.status, record.reason) == ("completed", "agent_hangup")
    assert call.room_closed()
    assert not await call.slot_taken()
    assert {"role": "caller", "text": "Grazie, è tutto"} in record.transcript
    assert any(line.get("name") == "end_call" for line in record.transcript), record.transcript


async def test_a_failing_tool_apologises_and_ends_the_call(restaurant, make_call, monkeypatch):
    from telephony.agent.tools import ordering

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(ordering, "order_review", broken)
    call = make_call([tool("add_to_order", item="Diavola"), "..."])
    await call.start()
    with contextlib.suppress(RuntimeError):
        await call.say("Una diavola")
    await call.runner.finished.wait()
    record = await call.record()
    assert (record.status, record.reason) == ("failed", "error")
    assert any("problema tecnico" in (line.get("text") or "") for line in record.transcript), record.transcript
    assert call.room_closed() and not await call.slot_taken()


async def test_a_caller_with_a_withheld_number_gives_one_and_cannot_override_a_known_one(restaurant, make_call):
    anonymous = make_call(
        [
            tool("book_table", date="2026-06-13", time="20:00", party_size=2, name="Gialli"), "Mi serve un numero.",
            tool("book_table", date="2026-06-13", time="20:00", party_size=2, name="Gialli", phone="347 123 4567"),
            "$tool_output",
        ],
        caller="anonymous",
    )  # fmt: skip
    await anonymous.start()
    (refused,) = outputs(await anonymous.say("Un tavolo per due alle 20"))
    assert refused[2] and "phone" in refused[1].lower()
    (booked,) = outputs(await anonymous.say("Il mio numero è 347 123 4567"))
    assert booked[1].startswith("Booked: 2 people")
    await anonymous.hang_up()
    assert await db(Reservation.objects.filter(phone="+393471234567").exists)()

    known = make_call(
        [tool("book_table", date="2026-06-13", time="21:00", party_size=2, name="Blu", phone="347 000 0000"), "Ok."]
    )
    await known.start()
    await known.say("Prenota a nome Blu")
    await known.hang_up()
    assert (await db(Reservation.objects.get)(name="Blu")).phone == CALLER  # the line's number, not the one said


async def test_the_menu_is_read_and_an_item_taken_off_the_order(restaurant, make_call):
    call = make_call(
        [
            tool("read_menu"), "Ecco il menu.",
            tool("add_to_order", item="Diavola"), "Una diavola.",
            tool("add_to_order", item="coke"), "Una coca.",
            tool("remove_from_order", item="Diavola"), "$tool_output",
            tool("remove_from_order", item="Diavola"), "Non c'è.",
            tool("remove_from_order", item="Coca-Cola"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (menu,) = outputs(await call.say("Cosa avete?"))
    assert "Margherita" in menu[1] and "Sold out today: Lasagne al forno." in menu[1]
    await call.say("Una diavola")
    await call.say("E una coca")
    (removed,) = outputs(await call.say("Togli la diavola"))
    assert removed[1].startswith("Removed Diavola. The order now: 1 Coca-Cola")
    (absent,) = outputs(await call.say("Togli la diavola"))
    assert absent[2] and absent[1] == "Diavola is not in the order."
    (emptied,) = outputs(await call.say("Togli anche la coca"))
    assert emptied[1] == "Removed Coca-Cola. The order is now empty."
    assert call.runner.session.userdata.cart == []
    await call.hang_up()


async def test_lookups_that_find_nothing_say_so(restaurant, make_call):
    call = make_call(
        [
            tool("review_order"), "Vuoto.",
            tool("order_status"), "$tool_output",
            tool("find_my_reservations"), "$tool_output",
            tool("cancel_reservation", date="2026-06-13"), "Niente.",
            tool("search_menu", name="hamburger"), "$tool_output",
            tool("search_faq", question="karaoke"), "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (empty,) = outputs(await call.say("Quanto ho speso?"))
    assert empty[2] and empty[1] == "The order is empty; ask what the caller would like."
    assert outputs(await call.say("Il mio ordine?"))[0][1] == "No recent orders from this phone number."
    assert outputs(await call.say("Ho prenotato?"))[0][1] == "No upcoming reservations for this phone number."
    (nothing,) = outputs(await call.say("Cancella"))
    assert nothing[2] and nothing[1] == "This phone number has no reservation to cancel on Saturday 13 June."
    assert outputs(await call.say("Un hamburger"))[0][1] == "Nothing on the menu sounds like 'hamburger'."
    assert outputs(await call.say("Karaoke?"))[0][1].startswith("No prepared answer for that")
    await call.hang_up()


async def test_callers_never_reach_other_callers_or_other_restaurants_bookings(
    restaurant, make_call, make_business, trattoria_hours
):
    from reservations.models import ReservationSettings

    other = await db(make_business)("Sushi Zen", slug="zen-outsider")
    await db(trattoria_hours)(other)
    await db(ReservationSettings.objects.create)(
        business=other, seats_per_slot=10, max_party_size=6, lead_minutes=60, horizon_days=30
    )
    # The same caller booked at the other restaurant; another caller booked here.
    await db(reservation_book)(business=other, starts_at=datetime(2026, 6, 13, 20, 0), party_size=2, name="Mine",
                               phone=CALLER)  # fmt: skip
    await db(reservation_book)(business=restaurant.business, starts_at=datetime(2026, 6, 13, 20, 0), party_size=2,
                               name="Someone else", phone="+393330009999")  # fmt: skip
    call = make_call(
        [tool("find_my_reservations"), "$tool_output", tool("cancel_reservation", date="2026-06-13"), "Niente."]
    )
    await call.start()
    assert outputs(await call.say("Le mie prenotazioni?"))[0][1] == "No upcoming reservations for this phone number."
    (refused,) = outputs(await call.say("Cancella quella di stasera"))
    assert refused[2]
    await call.hang_up()
    statuses = await db(lambda: sorted(Reservation.objects.values_list("name", "status")))()
    assert statuses == [("Mine", "confirmed"), ("Someone else", "confirmed")]


async def test_several_bookings_the_same_day_are_asked_about(restaurant, make_call):
    for hour in (19, 21):
        await db(reservation_book)(business=restaurant.business, starts_at=datetime(2026, 6, 13, hour, 0),
                                   party_size=2, name="Verdi", phone=CALLER)  # fmt: skip
    call = make_call([tool("cancel_reservation", date="2026-06-13"), "Quale?", tool(
        "cancel_reservation", date="2026-06-13", time="21:00"), "$tool_output"])  # fmt: skip
    await call.start()
    (which,) = outputs(await call.say("Cancella la prenotazione di stasera"))
    assert which[2] and which[1] == "The caller has reservations at 19:00, 21:00 that day; ask which one to cancel."
    (cancelled,) = outputs(await call.say("Quella delle 21"))
    assert cancelled[1] == "Cancelled the reservation for 2 on Saturday 13 June at 21:00."
    await call.hang_up()


async def test_booking_again_after_cancelling_is_a_new_booking(restaurant, make_call):
    book = tool("book_table", date="2026-06-13", time="20:00", party_size=4, name="Verdi")
    call = make_call([book, "Ok.", tool("cancel_reservation", date="2026-06-13"), "Ok.", book, "$tool_output", book,
                      "$tool_output"])  # fmt: skip
    await call.start()
    await call.say("Prenota")
    await call.say("Anzi no, cancella")
    (again,) = outputs(await call.say("Scusi, prenoti di nuovo"))
    assert again[1].startswith("Booked: 4 people")
    (repeated,) = outputs(await call.say("Ha prenotato?"))  # the model books the same table once more
    assert repeated[1] == again[1]
    await call.hang_up()
    statuses = await db(lambda: sorted(Reservation.objects.values_list("status", flat=True)))()
    assert statuses == ["cancelled", "confirmed"]


@pytest.mark.parametrize(
    ("step", "fragment"),
    [
        (tool("book_table", date="0001-01-01", time="20:00", party_size=2, name="X"), "too far from today"),
        (tool("review_order", pickup_time="20:00", pickup_date="9999-12-31"), "too far from today"),
        (tool("check_availability", date="2026-02-30", party_size=2), "'2026-02-30' is not a date I understand"),
        (tool("check_availability", date="2026-06-13", party_size=2, time="25:00"), "'25:00' is not a time"),
        (tool("add_to_order", item="x" * 200_000), "is not on our menu"),
    ],
)
async def test_bad_arguments_from_the_model_are_refused_politely(restaurant, make_call, step, fragment):
    call = make_call([tool("add_to_order", item="Diavola"), "Ok.", step, "Scusi?"])
    await call.start()
    await call.say("Una diavola")
    (refused,) = outputs(await call.say("..."))
    assert refused[2] and fragment in refused[1]
    assert len(refused[1]) < 400  # the model's input is not echoed back whole
    assert not call.runner.ending
    await call.hang_up()


async def test_control_characters_never_reach_the_database(restaurant, make_call):
    call = make_call(
        [
            tool("book_table", date="2026-06-13", time="20:00", party_size=2, name="Ros\x00si", notes="a\x00b"),
            "$tool_output",
        ]
    )  # fmt: skip
    await call.start()
    (booked,) = outputs(await call.say("Rossi, tavolo fuori"))
    assert not booked[2]
    record = await call.hang_up()
    booking = await db(Reservation.objects.get)(call=record)
    assert (booking.name, booking.notes) == ("Ros si", "a b")


async def test_usage_is_recorded_with_the_call(restaurant, make_call):
    call = make_call([tool("restaurant_info"), "Siamo aperti alle 19."])
    await call.start()
    await call.say("Siete aperti?")
    record = await call.hang_up()
    (model,) = record.usage["models"]
    assert model["provider"] == "panbot" and model["model"] == "scripted"
    assert model["input_tokens"] == 200 and model["output_tokens"] == 16  # two model calls of 100 in, 8 out
