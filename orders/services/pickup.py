"""When an order can be picked up: inside opening hours, after the kitchen's lead time, within the horizon."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orders.models import OrderSettings
from panbot.errors import ErrorCollector
from restaurants.models import Business
from restaurants.schedule import (
    NonexistentTime,
    OutOfRange,
    Period,
    Schedule,
    local_date,
    plural,
    spoken_day,
    spoken_when,
    to_instant,
)

# Earliest pickups are rounded up to this many minutes: "19:35" is easier to say and to plan than "19:33".
ROUND_MINUTES = 5


@dataclass(frozen=True)
class PickupWindow:
    """The pickup times one opening period allows (UTC): from opening or now plus lead time, to closing."""

    period: Period
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at <= self.end


def round_up(at: datetime) -> datetime:
    step = ROUND_MINUTES * 60
    # On the UTC timeline: every zone in use today is offset by a multiple of five minutes.
    return datetime.fromtimestamp(math.ceil(at.timestamp() / step) * step, tz=UTC)


def _horizon_text(days: int) -> str:
    if days == 0:
        return "for today only"
    if days == 1:
        return "for today or tomorrow only"
    return f"up to {days} days ahead"


class PickupPlanner:
    """The pickup windows of a business from `now` on, and the words to refuse a time outside them."""

    def __init__(self, business: Business, settings: OrderSettings, now: datetime):
        self.tz = business.tz
        self.now = now.astimezone(UTC)
        self.today = local_date(self.now, self.tz)
        self.settings = settings
        self.lead = timedelta(minutes=settings.lead_time_minutes)
        self.last_day = self.today + timedelta(days=settings.max_days_ahead)
        self.schedule = Schedule(business, self.today)
        self.windows: list[PickupWindow] = []
        # The kitchen starts at opening, so a period's first pickup is its opening plus the lead time.
        for period in self.schedule.next_periods(self.now, days=settings.max_days_ahead):
            if period.day > self.last_day:
                continue
            start = round_up(max(period.start, self.now) + self.lead)
            if start <= period.end:
                self.windows.append(PickupWindow(period=period, start=start, end=period.end))

    @property
    def earliest(self) -> datetime | None:
        return self.windows[0].start if self.windows else None

    def _when(self, at: datetime) -> str:
        return spoken_when(at, self.now, self.tz)

    def resolve(self, requested: datetime | None, errors: ErrorCollector) -> datetime | None:
        """The pickup time in the business's zone: `requested` when allowed, the earliest when None.

        Otherwise adds the reason to `errors` and returns None.
        """
        if requested is None:
            if self.earliest is None:
                horizon = _horizon_text(self.settings.max_days_ahead)
                errors.add("pickup_at", f"We have no pickup times left {horizon}.", code="no_pickup_times")
                return None
            return self.earliest.astimezone(self.tz)
        if not isinstance(requested, datetime):
            errors.add("pickup_at", "Tell us the pickup time as a date and time.")
            return None
        try:
            at = to_instant(requested, self.tz).replace(second=0, microsecond=0)
        except NonexistentTime as exc:
            errors.add("pickup_at", str(exc), code="nonexistent_time")
            return None
        except OutOfRange as exc:
            errors.add("pickup_at", str(exc))
            return None
        if any(w.contains(at) for w in self.windows):
            return at.astimezone(self.tz)
        errors.add("pickup_at", *self._refusal(at))
        return None

    def _refusal(self, at: datetime) -> tuple[str, str]:
        """Why `at` is refused, and the error code."""
        horizon = _horizon_text(self.settings.max_days_ahead)
        if at < self.now + self.lead:
            if self.earliest is None:
                return f"We have no pickup times left {horizon}.", "no_pickup_times"
            need = f"we need {plural(self.settings.lead_time_minutes, 'minute')} to prepare an order"
            return f"The earliest pickup is {self._when(self.earliest)}; {need}.", "too_soon"
        day = local_date(at, self.tz)
        if day > self.last_day:
            return f"We take pickup orders {horizon}.", "beyond_horizon"
        following = next((w for w in self.windows if w.start > at), None)
        then = f"; the next pickup time is {self._when(following.start)}" if following else ""
        if self.schedule.is_closed_on(day) and self.schedule.period_at(at, include_end=True) is None:
            reason = self.schedule.closures[day]
            return f"We are closed {spoken_day(day, self.today)}{f' ({reason})' if reason else ''}{then}.", "closed"
        if following is not None and local_date(following.start, self.tz) == day:
            opening = following.period.local_start
            return (
                f"We open at {opening:%H:%M} {spoken_day(opening.date(), self.today)}; "
                f"the earliest pickup is {following.start.astimezone(self.tz):%H:%M}."
            ), "too_soon" if following.period.contains(at) else "closed"
        if following is not None:
            return f"We are closed {self._when(at)}{then}.", "closed"
        return f"We are closed {self._when(at)} and have no pickup times left {horizon}.", "no_pickup_times"
