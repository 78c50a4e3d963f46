"""Reading reservations: free start times for a party, and a caller's bookings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from panbot.errors import ErrorCollector
from panbot.inputs import as_id
from panbot.phone import INVALID_MESSAGE, to_e164
from reservations.availability import SlotPlanner
from reservations.models import Reservation, ReservationSettings, ReservationStatusChange
from restaurants.models import Business
from restaurants.schedule import OUT_OF_RANGE, in_range, plural, wall_clock

CALLER_RESERVATIONS_LIMIT = 10
NOT_A_DAY = "Tell us the day for the booking."


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


def _calendar_day(value: object, business: Business) -> date | None:
    """`value` as a local calendar date: a date, or a datetime (an aware one seen in the business's zone)."""
    if isinstance(value, datetime):
        # One at the ends of Python's calendar cannot be moved to another zone; its own date is
        # as far in the past or the future, and refused as such.
        return value.astimezone(business.tz).date() if value.tzinfo and in_range(value) else value.date()
    return value if isinstance(value, date) else None


def reservation_availability(*, business: Business, date: date, party_size: int) -> list[datetime]:
    """Start times on `date` a party of `party_size` can book now, as aware datetimes in the business's zone.

    `date` is the service day: a period that starts that evening and runs past midnight
    contributes its after-midnight times too. Raises ValidationError (same messages as
    `reservation_book`) when the business takes no bookings, the party is too large, or the
    date is past, beyond the horizon or not a date; returns [] when the day is closed or full.
    Compare the returned values in UTC: on the night clocks go back two of them show the same wall time.
    """
    day = _calendar_day(date, business)
    settings = reservation_settings_get(business)
    errors = ErrorCollector()
    check_party_size(party_size, settings, errors)
    if day is None:
        errors.add("date", NOT_A_DAY)
    planner = None
    if accepting_reservations(business, settings, errors) and settings is not None:
        planner = SlotPlanner(business, settings, timezone.now())
        if day is not None and day < planner.today:
            errors.add("date", "That date has already passed.", code="past")
        elif day is not None and day > planner.last_day:
            ahead = plural(settings.horizon_days, "day")
            errors.add("date", f"We take bookings up to {ahead} ahead.", code="beyond_horizon")
    errors.raise_if_any()
    assert planner is not None and day is not None  # noqa: S101 (no errors: the business takes bookings that day)
    return [start.astimezone(business.tz) for start in planner.open_starts(day, party_size)]


def reservation_find(business: Business, phone: str, date: date | None = None) -> list[Reservation]:
    """The caller's bookings at `business` starting on `date` (local), or from today on; soonest first.

    Every status is included (the caller may ask whether a cancellation went through).
    `phone` may be in any format; an unparseable one finds nothing, and so does a date at the ends
    of Python's calendar (`date.max`). Raises ValidationError when `date` is not a date.
    """
    day = None if date is None else _calendar_day(date, business)
    if date is not None and day is None:
        raise ValidationError({"date": [NOT_A_DAY]})
    e164 = to_e164(phone)
    if e164 is None or (day is not None and not in_range(day)):
        return []
    tz = business.tz
    query = Reservation.objects.filter(business=business, phone=e164)
    if day is not None:
        query = query.filter(
            starts_at__gte=wall_clock(day, time(0), tz),
            starts_at__lt=wall_clock(day + timedelta(days=1), time(0), tz),
        )
    else:
        query = query.filter(starts_at__gte=wall_clock(timezone.now().astimezone(tz).date(), time(0), tz))
    return list(query.order_by("starts_at", "id")[:CALLER_RESERVATIONS_LIMIT])


def reservation_get(business: Business, reservation_id: int) -> Reservation | None:
    """The booking `reservation_id` of `business`, or None (another business's, or an id that is not an int)."""
    pk = as_id(reservation_id)
    return Reservation.objects.filter(business=business, pk=pk).first() if pk is not None else None


# --- The owners' API ---------------------------------------------------------------------------


def reservations_for_business(
    business: Business, *, day: date | None = None, status: str | None = None, phone: str | None = None
) -> QuerySet[Reservation]:
    """The business's bookings, soonest first: starting on local `day`, in `status`, by `phone` (any format).

    Raises ValidationError (keyed by filter) for a phone number that is not one or a day at the
    ends of Python's calendar.
    """
    errors = ErrorCollector()
    query = Reservation.objects.filter(business=business)
    if day is not None:
        if in_range(day):
            tz = business.tz
            query = query.filter(
                starts_at__gte=wall_clock(day, time(0), tz),
                starts_at__lt=wall_clock(day + timedelta(days=1), time(0), tz),
            )
        else:
            errors.add("day", OUT_OF_RANGE)
    if status:
        query = query.filter(status=status)
    if phone:
        e164 = to_e164(phone)
        if e164 is None:
            region = django_settings.PHONE_DEFAULT_REGION
            errors.add("phone", INVALID_MESSAGE.format(region=region), code="invalid_phone")
        query = query.filter(phone=e164)
    errors.raise_if_any()
    return query


def reservations_with_history(business_id: int) -> QuerySet[Reservation]:
    """The business's bookings, each with its status history (who changed it, when, why) prefetched."""
    history = ReservationStatusChange.objects.select_related("changed_by").order_by("created_at", "id")
    return Reservation.objects.filter(business_id=business_id).prefetch_related(
        Prefetch("status_changes", queryset=history)
    )
