"""Booking, changing and cancelling tables without ever overbooking the room.

Every write that can take seats locks the business's ReservationSettings row first, so
competing bookings of one business run one after the other and each sees the seats the
previous one took; bookings of different businesses never wait for each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from panbot import idempotency
from panbot.errors import ErrorCollector
from panbot.events import emit
from panbot.lifecycle import Lifecycle, locked_row
from reservations.availability import SlotPlanner
from reservations.models import NOTES_MAX, Reservation, ReservationSettings, ReservationStatus, ReservationStatusChange
from reservations.payloads import reservation_payload
from reservations.selectors import accepting_reservations, check_party_size, reservation_settings_get
from restaurants.models import Business
from restaurants.schedule import NonexistentTime, OutOfRange, local_date, plural, spoken_day, spoken_when, to_instant
from restaurants.selectors import user_may_act_for

NAME_MAX = 100
ALTERNATIVES = 2
CHANGEABLE = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)


def _started_refusal(reservation: Reservation, to_status: str) -> str | None:
    # Once the party is due, a missing party is a no-show, not a cancellation.
    if to_status == ReservationStatus.CANCELLED and reservation.starts_at <= timezone.now():
        return "This reservation has already started; it cannot be cancelled."
    return None


RESERVATION_LIFECYCLE: Lifecycle[Reservation] = Lifecycle(
    noun="reservation",
    model=Reservation,
    history=ReservationStatusChange,
    moves={
        ReservationStatus.PENDING: frozenset({"confirmed", "seated", "cancelled", "no_show"}),
        ReservationStatus.CONFIRMED: frozenset({"seated", "cancelled", "no_show"}),
        ReservationStatus.SEATED: frozenset({"completed"}),
        ReservationStatus.COMPLETED: frozenset(),
        ReservationStatus.CANCELLED: frozenset(),
        ReservationStatus.NO_SHOW: frozenset(),
    },
    said={
        ReservationStatus.PENDING: "pending",
        ReservationStatus.CONFIRMED: "confirmed",
        ReservationStatus.SEATED: "seated",
        ReservationStatus.COMPLETED: "completed",
        ReservationStatus.CANCELLED: "cancelled",
        ReservationStatus.NO_SHOW: "marked as a no-show",
    },
    unknown="'{status}' is not a reservation status.",
    subject=lambda reservation: "This reservation",
    off_path="A reservation that is {current} cannot become {target}.",
    targets={ReservationStatus.NO_SHOW: "a no-show"},
    payload=reservation_payload,
    may_act=user_may_act_for,
    rule=_started_refusal,
)


def _alternatives(planner: SlotPlanner, start: datetime, party_size: int, exclude_id: int | None) -> str:
    day = planner.service_day(start) or local_date(start, planner.tz)
    if day < planner.today or day > planner.last_day:
        return ""
    free = planner.open_starts(day, party_size, exclude_id=exclude_id)
    nearest = sorted(sorted(free, key=lambda s: abs(s - start))[:ALTERNATIVES])
    times = " or ".join(f"{s.astimezone(planner.tz):%H:%M}" for s in nearest)
    if not nearest:
        return f"; we have no table left for {party_size} that day"
    return f"; we have a table at {times}" if len(nearest) == 1 else f"; we have tables at {times}"


def _check_start(
    planner: SlotPlanner,
    start: datetime,
    party_size: int,
    errors: ErrorCollector,
    *,
    exclude_id: int | None = None,
) -> None:
    """Add the reason `start` cannot be booked for `party_size` (notice, horizon, hours, seats), if any."""
    when = spoken_when(start, planner.now, planner.tz)
    if start < planner.now:
        errors.add("starts_at", "That time has already passed.", code="past")
        return
    # The service day: a start after midnight belongs to the evening before (overnight hours).
    day = planner.service_day(start)
    if (day or local_date(start, planner.tz)) > planner.last_day:
        ahead = plural(planner.settings.horizon_days, "day")
        errors.add("starts_at", f"We take bookings up to {ahead} ahead.", code="beyond_horizon")
        return
    if day is None:
        local = local_date(start, planner.tz)
        if not planner.schedule.periods_on(local) and planner.schedule.period_at(start) is None:
            reason = planner.schedule.closures.get(local)
            closed = f"We are closed {spoken_day(local, planner.today)}{f' ({reason})' if reason else ''}"
            errors.add("starts_at", f"{closed}.", code="closed")
            return
        alternatives = _alternatives(planner, start, party_size, exclude_id)
        errors.add("starts_at", f"We do not take bookings {when}{alternatives}.", code="not_a_slot")
        return
    if start < planner.earliest:
        minutes = planner.settings.lead_minutes
        possessive = "1 minute's" if minutes == 1 else f"{minutes} minutes'"
        notice = f"We need at least {possessive} notice for a booking"
        errors.add("starts_at", f"{notice}{_alternatives(planner, start, party_size, exclude_id)}.", code="too_soon")
        return
    bookings = planner.holding(start, start + planner.dining, exclude_id=exclude_id)
    if not planner.fits(bookings, start, party_size):
        alternatives = _alternatives(planner, start, party_size, exclude_id)
        errors.add("starts_at", f"We have no table for {party_size} {when}{alternatives}.", code="full")


def _starts_at(value: Any, business: Business, errors: ErrorCollector) -> datetime | None:
    if not isinstance(value, datetime):
        errors.add("starts_at", "Tell us the day and time for the booking.")
        return None
    try:
        return to_instant(value, business.tz).replace(second=0, microsecond=0)
    except NonexistentTime as exc:
        errors.add("starts_at", str(exc), code="nonexistent_time")
        return None
    except OutOfRange as exc:
        errors.add("starts_at", str(exc))
        return None


def _lock_settings(business: Business) -> ReservationSettings | None:
    # The serialisation point for every seat-taking write of this business (see the module doc).
    return ReservationSettings.objects.select_for_update().filter(business=business).first()


@transaction.atomic
def reservation_book(
    *,
    business: Business,
    starts_at: datetime,
    party_size: int,
    name: str,
    phone: str,
    notes: str = "",
    call: Any = None,
    idempotency_key: str | None = None,
) -> Reservation:
    """Book a table if the time is bookable and the seats are free; emits `reservation.created`.

    `starts_at` aware, or naive in the business's local time. Raises ValidationError listing
    every problem (each error carries a code: `party_too_large`, `full`, `too_soon`, ...).
    The same `idempotency_key` returns the booking it first made. Concurrent bookings of one
    business are serialised, so the last seats go to exactly one caller.
    """
    key = idempotency.key_of(idempotency_key)
    existing = idempotency.replay(Reservation, business=business, key=key)
    if existing is not None:
        return existing

    errors = ErrorCollector()
    check_party_size(party_size, reservation_settings_get(business), errors)
    start = _starts_at(starts_at, business, errors)
    name = errors.name("name", name, max_length=NAME_MAX, purpose="booking")
    e164 = errors.phone("phone", phone, purpose="booking")
    notes = errors.text(
        "notes", notes, max_length=NOTES_MAX, what="The note",
        too_long=f"The note is too long; keep it under {NOTES_MAX} characters.",
    )  # fmt: skip
    errors.call_record(call, business)
    idempotency.check_key(errors, key)

    locked = _lock_settings(business)
    planner = None
    if accepting_reservations(business, locked, errors):  # judged on the locked row: it may have just changed
        assert locked is not None  # noqa: S101 (accepting implies settings)
        # Under the lock a concurrent call with the same key has either committed or not begun.
        existing = idempotency.replay(Reservation, business=business, key=key)
        if existing is not None:
            return existing
        planner = SlotPlanner(business, locked, timezone.now())
        if start is not None and not errors.has("party_size"):
            _check_start(planner, start, party_size, errors)
    errors.raise_if_any()
    assert planner is not None and start is not None and e164 is not None  # noqa: S101 (no errors: all set)

    reservation = Reservation.objects.create(
        business=business,
        call=call,
        name=name,
        phone=e164,
        party_size=party_size,
        starts_at=start,
        ends_at=start + planner.dining,
        status=ReservationStatus.CONFIRMED if planner.settings.auto_confirm else ReservationStatus.PENDING,
        notes=notes,
        idempotency_key=key,
    )
    RESERVATION_LIFECYCLE.record(reservation, "", reason="booked")
    emit(business, "reservation.created", reservation_payload(reservation))
    return reservation


@transaction.atomic
def reservation_update(
    *,
    business: Business,
    reservation_id: int,
    starts_at: datetime | None = None,
    party_size: int | None = None,
) -> Reservation:
    """Move a booking and/or change its party size, with the same checks as booking; emits `reservation.updated`.

    The booking's own seats count as free while checking. Raises NotFound for another
    business's (or no) booking, ValidationError for anything else.
    """
    settings = _lock_settings(business)  # before the booking's row: the same order as every other writer
    reservation = locked_row(Reservation, business=business, row_id=reservation_id, noun="reservation")
    errors = ErrorCollector()
    if not accepting_reservations(business, settings, errors):
        errors.raise_if_any()
    assert settings is not None  # noqa: S101 (accepting implies settings)
    planner = SlotPlanner(business, settings, timezone.now())
    if reservation.status not in CHANGEABLE:
        errors.add(None, f"This reservation is {RESERVATION_LIFECYCLE.said[reservation.status]}; it cannot be changed.")
    elif reservation.starts_at <= planner.now:
        errors.add(None, "This reservation has already started; it cannot be changed.")
    errors.raise_if_any()

    new_party = reservation.party_size if party_size is None else party_size
    check_party_size(new_party, settings, errors)
    new_start = reservation.starts_at if starts_at is None else _starts_at(starts_at, business, errors)
    if new_start is None or errors:
        errors.raise_if_any()
    if new_start == reservation.starts_at and new_party == reservation.party_size:
        return reservation  # nothing changes: no write, no event
    if new_start != reservation.starts_at:
        _check_start(planner, new_start, new_party, errors, exclude_id=reservation.pk)
    else:
        # Same time, more people: only the seats matter (the notice was given when it was booked).
        bookings = planner.holding(reservation.starts_at, reservation.ends_at, exclude_id=reservation.pk)
        if not planner.fits(bookings, reservation.starts_at, new_party):
            when = spoken_when(reservation.starts_at, planner.now, planner.tz)
            errors.add("party_size", f"We have no table for {new_party} {when}.", code="full")
    errors.raise_if_any()

    duration = reservation.ends_at - reservation.starts_at if new_start == reservation.starts_at else planner.dining
    reservation.starts_at = new_start
    reservation.ends_at = new_start + duration
    reservation.party_size = new_party
    reservation.save(update_fields=["starts_at", "ends_at", "party_size", "updated_at"])
    emit(business, "reservation.updated", reservation_payload(reservation))
    return reservation


@transaction.atomic
def reservation_transition(
    *, business: Business, reservation_id: int, to_status: str, by: Any = None, reason: str = ""
) -> Reservation:
    """Move a booking to `to_status` (confirm, seat, complete, cancel, no-show); records history, emits.

    Allowed: pending -> confirmed | seated | cancelled | no_show; confirmed -> seated |
    cancelled | no_show; seated -> completed. `by` is a member of the business, a stakeholder,
    or None for the phone agent. Raises NotFound or ValidationError.
    """
    return RESERVATION_LIFECYCLE.transition(
        business=business, row_id=reservation_id, to_status=to_status, by=by, reason=reason
    )


def reservation_cancel(*, business: Business, reservation_id: int, by: Any = None, reason: str = "") -> Reservation:
    """Cancel a booking of `business`, freeing its seats; emits `reservation.updated`.

    Raises NotFound for another business's (or no) booking, ValidationError when it cannot be cancelled.
    """
    return reservation_transition(
        business=business, reservation_id=reservation_id, to_status=ReservationStatus.CANCELLED, by=by, reason=reason
    )


@transaction.atomic
def reservation_settings_save(*, settings: ReservationSettings) -> ReservationSettings:
    """Create or update a business's booking rules. Raises ValidationError."""
    settings.full_clean()
    settings.save()
    return settings


RESERVATION_SETTINGS_EDITABLE = (
    "accepting_reservations", "slot_minutes", "seats_per_slot", "max_party_size", "dining_minutes", "lead_minutes",
    "horizon_days", "last_seating_minutes", "auto_confirm",
)  # fmt: skip


@transaction.atomic
def reservation_settings_update(*, business: Business, changes: Mapping[str, Any]) -> ReservationSettings:
    """Change how `business` takes bookings (only the fields given). Raises ValidationError.

    A business without settings takes no bookings: its first change creates them, still not
    accepting bookings unless the change says so. The row is locked like a booking locks it,
    so a booking sees the rules before or after the change, never half of it. Bookings already
    made keep their times and seats.
    """
    refused = sorted(set(changes) - set(RESERVATION_SETTINGS_EDITABLE))
    if refused:
        raise ValidationError({name: ["This field cannot be changed here."] for name in refused})
    ReservationSettings.objects.get_or_create(business=business, defaults={"accepting_reservations": False})
    settings = _lock_settings(business)
    assert settings is not None  # noqa: S101 (created above)
    for name, value in changes.items():
        setattr(settings, name, value)
    return reservation_settings_save(settings=settings)
