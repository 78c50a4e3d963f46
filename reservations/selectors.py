"""Reading reservations: free start times for a party, and a caller's bookings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from panbot.errors import ErrorCollector
from panbot.phone import to_e164
from reservations.availability import SlotPlanner
from reservations.models import Reservation, ReservationSettings
from restaurants.models import Business
from restaurants.schedule import plural, wall_clock

CALLER_RESERVATIONS_LIMIT = 10


def reservation_settings_get(business: Business) -> ReservationSettings | None:
    """The business's booking rules, or None: a business without them takes no bookings."""
    return ReservationSettings.objects.filter(business=business).first()


def accepting_reservations(business: Business, settings: ReservationSettings | None, errors: ErrorCollector) -> bool:
    if business.is_active and settings is not None and settings.accepting_reservations:
        return True
    errors.add(None, f"{business.name} is not taking table reservations by phone right now.", code="not_accepting")
    return False


def check_party_size(party_size: object, settings: ReservationSettings | None, errors: ErrorCollector) -> None:
    if isinstance(party_size, bool) or not isinstance(party_size, int) or party_size < 1:
        errors.add("party_size", "Tell us how many people the table is for; at least 1.")
    elif settings is not None and party_size > settings.max_party_size:
        # A distinct code: the agent may offer to put the caller through to staff instead.
        errors.add(
            "party_size",
            f"We can book tables for up to {settings.max_party_size} people by phone; "
            "for a larger group please speak with the restaurant.",
            code="party_too_large",
        )


def reservation_availability(*, business: Business, date: date, party_size: int) -> list[datetime]:
    """Start times on `date` a party of `party_size` can book now, as aware datetimes in the business's zone.

    `date` is the service day: a period that starts that evening and runs past midnight
    contributes its after-midnight times too. Raises ValidationError (same messages as
    `reservation_book`) when the business takes no bookings, the party is too large, or the
    date is past or beyond the horizon; returns [] when the day is closed or full.
    Compare the returned values in UTC: on the night clocks go back two of them show the same wall time.
    """
    if isinstance(date, datetime):
        date = date.astimezone(business.tz).date() if date.tzinfo else date.date()
    settings = reservation_settings_get(business)
    errors = ErrorCollector()
    check_party_size(party_size, settings, errors)
    planner = None
    if accepting_reservations(business, settings, errors) and settings is not None:
        planner = SlotPlanner(business, settings, timezone.now())
        if date < planner.today:
            errors.add("date", "That date has already passed.", code="past")
        elif date > planner.last_day:
            ahead = plural(settings.horizon_days, "day")
            errors.add("date", f"We take bookings up to {ahead} ahead.", code="beyond_horizon")
    errors.raise_if_any()
    assert planner is not None  # noqa: S101 (no errors means the business takes bookings)
    return [start.astimezone(business.tz) for start in planner.open_starts(date, party_size)]


def reservation_find(business: Business, phone: str, date: date | None = None) -> list[Reservation]:
    """The caller's bookings at `business` starting on `date` (local), or from today on; soonest first.

    Every status is included (the caller may ask whether a cancellation went through).
    `phone` may be in any format; an unparseable one finds nothing.
    """
    e164 = to_e164(phone)
    if e164 is None:
        return []
    tz = business.tz
    query = Reservation.objects.filter(business=business, phone=e164)
    if date is not None:
        query = query.filter(
            starts_at__gte=wall_clock(date, time(0), tz),
            starts_at__lt=wall_clock(date + timedelta(days=1), time(0), tz),
        )
    else:
        query = query.filter(starts_at__gte=wall_clock(timezone.now().astimezone(tz).date(), time(0), tz))
    return list(query.order_by("starts_at", "id")[:CALLER_RESERVATIONS_LIMIT])


def reservation_get(business: Business, reservation_id: int) -> Reservation | None:
    """The booking `reservation_id` of `business`, or None (another business's booking is never returned)."""
    return Reservation.objects.filter(business=business, pk=reservation_id).first()
