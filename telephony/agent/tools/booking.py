"""Tools for table reservations, always for the caller's own phone number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livekit.agents import RunContext, ToolError, function_tool

from panbot.phone import to_e164
from reservations.models import ReservationStatus
from reservations.selectors import reservation_availability, reservation_find
from reservations.services import reservation_book, reservation_cancel
from telephony.agent.tools._base import business_today, call, caller_datetime, parse_day, text
from telephony.models import CallRecord

# Times read out when the caller has not asked for one: enough to choose, short enough to say.
TIMES_SPOKEN = 6


def _clock(at: datetime) -> str:
    """'19:30'; on the night the clocks go back, a time they show twice says which one it is."""
    if at.replace(fold=1 - at.fold).utcoffset() == at.utcoffset():
        return f"{at:%H:%M}"
    return f"{at:%H:%M} ({'after' if at.fold else 'before'} the clocks go back)"


def _times(starts: list[datetime]) -> str:
    return ", ".join(_clock(s) for s in starts)


@function_tool
async def check_availability(context: RunContext, date: str, party_size: int, time: str = "") -> str:
    """Which times a table for `party_size` can be booked on `date` (and whether `time` is one of them).

    Args:
        date: YYYY-MM-DD, or "today" / "tomorrow".
        party_size: how many people.
        time: the time the caller would like, HH:MM, if they said one.
    """
    state = context.userdata

    def check() -> str:
        business = state.business()
        wanted = caller_datetime(business, date, time) if time else None
        day = wanted.date() if wanted is not None else parse_day(date, business_today(business))
        starts = reservation_availability(business=business, date=day, party_size=party_size)
        if wanted is not None and day > business_today(business):
            # A time after midnight may belong to the night that began the evening before.
            evening = reservation_availability(business=business, date=day - timedelta(days=1), party_size=party_size)
            starts = [s for s in evening if s.date() == day] + starts
        if not starts:
            return f"No table for {party_size} on {day:%A %d %B}: the restaurant is closed or full that day."
        if wanted is not None:
            # In UTC: two datetimes of one zone compare by wall clock, so the two 02:30 of the
            # night the clocks go back would be "equal" and "no time apart".
            utc = wanted.astimezone(UTC)
            if any(s.astimezone(UTC) == utc for s in starts):
                return f"{_clock(wanted)} on {day:%A %d %B} is available for {party_size}."
            nearest = sorted(
                sorted(starts, key=lambda s: abs(s.astimezone(UTC) - utc))[:3], key=lambda s: s.astimezone(UTC)
            )
            return f"{_clock(wanted)} is not available; the nearest free times are {_times(nearest)}."
        shown = starts[:: max(1, -(-len(starts) // TIMES_SPOKEN))]
        more = f" (and others between {starts[0]:%H:%M} and {starts[-1]:%H:%M})" if len(shown) < len(starts) else ""
        return f"Free times for {party_size} on {day:%A %d %B}: {_times(shown)}{more}."

    return await call(context, check)


@function_tool
async def book_table(
    context: RunContext, date: str, time: str, party_size: int, name: str, notes: str = "", phone: str = ""
) -> str:
    """Book a table for the caller (their phone number is attached automatically).

    Args:
        date: YYYY-MM-DD, or "today" / "tomorrow".
        time: HH:MM, 24-hour.
        party_size: how many people.
        name: the name for the booking.
        notes: anything the staff should know (high chair, birthday...).
        phone: only if the caller's number is withheld: the number they gave.
    """
    state = context.userdata

    def book() -> str:
        business = state.business()
        starts_at = caller_datetime(business, date, time)
        booking = reservation_book(
            business=business,
            starts_at=starts_at,
            party_size=party_size,
            name=text(name, 100),
            phone=state.caller_number if to_e164(state.caller_number) else text(phone, 40),
            notes=text(notes),
            call=CallRecord.objects.get(pk=state.call_record_id),
            # A repeated tool call for the same table on the same call is the same booking;
            # once the caller cancelled on this call, booking again is a new booking.
            idempotency_key=(
                f"call-{state.call_record_id}-table-{starts_at:%Y%m%d%H%M}-{party_size}-{state.cancellations}"
            ),
        )
        when = booking.starts_at.astimezone(business.tz)
        return f"Booked: {booking.party_size} people on {when:%A %d %B} at {_clock(when)}, name {booking.name}."

    return await call(context, book)


@function_tool
async def find_my_reservations(context: RunContext) -> str:
    """The caller's upcoming reservations (found by their phone number)."""
    state = context.userdata

    def find() -> str:
        business = state.business()
        bookings = reservation_find(business, state.caller_number)
        if not bookings:
            return "No upcoming reservations for this phone number."
        return "\n".join(
            f"{b.starts_at.astimezone(business.tz):%A %d %B at %H:%M}, {b.party_size} people, "
            f"name {b.name}: {b.get_status_display()}"
            for b in bookings
        )

    return await call(context, find)


@function_tool
async def cancel_reservation(context: RunContext, date: str, time: str = "") -> str:
    """Cancel the caller's reservation on `date` (at `time` when they have more than one that day).

    Args:
        date: YYYY-MM-DD, or "today" / "tomorrow".
        time: HH:MM of the reservation, if the caller has several that day.
    """
    state = context.userdata

    def cancel() -> str:
        business = state.business()
        wanted = caller_datetime(business, date, time) if time else None
        day = wanted.date() if wanted is not None else parse_day(date, business_today(business))
        open_statuses = {ReservationStatus.PENDING, ReservationStatus.CONFIRMED}
        bookings = [b for b in reservation_find(business, state.caller_number, day) if b.status in open_statuses]
        if wanted is not None:
            # By the wall time the caller remembers: either 02:30 of the night the clocks go back.
            bookings = [b for b in bookings if b.starts_at.astimezone(business.tz).time() == wanted.time()]
        if not bookings:
            raise ToolError(
                f"This phone number has no reservation to cancel on {day:%A %d %B}" + (f" at {time}." if time else ".")
            )
        if len(bookings) > 1:
            times = ", ".join(f"{b.starts_at.astimezone(business.tz):%H:%M}" for b in bookings)
            raise ToolError(f"The caller has reservations at {times} that day; ask which one to cancel.")
        booking = reservation_cancel(business=business, reservation_id=bookings[0].pk, reason="cancelled by phone")
        state.cancellations += 1
        when = booking.starts_at.astimezone(business.tz)
        return f"Cancelled the reservation for {booking.party_size} on {when:%A %d %B} at {when:%H:%M}."

    return await call(context, cancel)
