"""Opening hours as real instants in the business's time zone, daylight-saving changes included.

Weekly hours are wall-clock times; a period on a given date becomes a pair of instants.
All arithmetic and comparison is done in UTC: Python adds and compares two datetimes
that share a tzinfo by their wall clocks, which is wrong across a DST change (02:30
summer time would sort after 02:15 winter time). Local times are for display and for
the values services return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from restaurants.models import Business, Closure, OpeningHours

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Python's calendar ends at years 1 and 9999: a time near either end overflows when it is moved to
# another zone or a schedule looks days past it. No caller means such a date, so it is refused
# before any arithmetic; the margin is more than any horizon or look-ahead here.
_CALENDAR_MARGIN = timedelta(days=2 * 366)
EARLIEST_DAY = date.min + _CALENDAR_MARGIN
LATEST_DAY = date.max - _CALENDAR_MARGIN
OUT_OF_RANGE = "That date is too far from today."


class NonexistentTime(ValueError):
    """A wall-clock time the clocks skip (e.g. 02:30 on the night summer time starts)."""


class OutOfRange(ValueError):
    """A date too near the ends of Python's calendar (years 1 and 9999) to compute with."""

    def __init__(self) -> None:
        super().__init__(OUT_OF_RANGE)


def in_range(value: date) -> bool:
    """Whether `value` (a date, or a datetime by its own calendar date) is far enough from Python's limits.

    Zone offsets are under a day, so a datetime in range can be moved to any zone and weeks on.
    """
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DAY <= day <= LATEST_DAY


@dataclass(frozen=True)
class Period:
    """One opening period: `start` and `end` are UTC instants; `day` is the local date it starts on."""

    day: date
    start: datetime
    end: datetime
    tz: ZoneInfo

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.tz)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.tz)

    def contains(self, at: datetime, *, include_end: bool = False) -> bool:
        at = at.astimezone(UTC)
        return self.start <= at <= self.end if include_end else self.start <= at < self.end

    def as_text(self) -> str:
        return f"{self.local_start:%H:%M}-{self.local_end:%H:%M}"


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant `tz`'s clocks show `day` `at`.

    A time the clocks skip moves forward by the gap (02:30 -> 03:30 when summer time
    starts); a repeated time is its first occurrence (fold=0). Right for opening and
    closing times, which nobody sets inside the missing hour. Raises OutOfRange for a day near the
    ends of Python's calendar.
    """
    if not in_range(day):
        raise OutOfRange()
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def to_instant(value: datetime, tz: ZoneInfo) -> datetime:
    """`value` as a UTC instant; a naive value is `tz`'s wall clock. Raises NonexistentTime for a skipped time.

    A repeated wall time (the hour after clocks go back) is its first occurrence unless `value.fold` is 1.
    Raises OutOfRange for a value near the ends of Python's calendar (e.g. `datetime.min`).
    """
    if not in_range(value):
        raise OutOfRange()
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    instant = value.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != value.replace(fold=0):
        raise NonexistentTime(f"{value:%H:%M} does not exist on {value:%A %d %B}: the clocks go forward that night.")
    return instant


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at `at` on `tz`'s clocks, as an aware datetime in `tz`: a time a caller asked for.

    Unlike `wall_clock`, a time the clocks skip is refused (NonexistentTime, the services'
    sentence), never moved; a time they repeat is its first occurrence, as services read a
    naive time. Raises OutOfRange for a day near the ends of Python's calendar.
    """
    return to_instant(datetime.combine(day, at), tz).astimezone(tz)


def local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def plural(count: int, unit: str) -> str:
    """'1 day', '30 days', '60 minutes'."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def day_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def spoken_day(day: date, today: date) -> str:
    """'today', 'tomorrow' or 'on Saturday 14 June': how a date is said to a caller."""
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {day_name(day)} {day.day} {day:%B}"


def spoken_when(at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """'today at 19:30', 'tomorrow at 12:15', 'on Saturday 14 June at 20:00', in `tz`."""
    local = at.astimezone(tz)
    return f"{spoken_day(local.date(), local_date(now, tz))} at {local:%H:%M}"


class Schedule:
    """A business's opening periods from `first_day` on, with its closures: loaded in two queries."""

    def __init__(self, business: Business, first_day: date):
        self.tz = business.tz
        # A period that starts the evening before `first_day` may run past midnight into it.
        self.first_day = first_day - timedelta(days=1)
        self._hours: dict[int, list[OpeningHours]] = {}
        for row in OpeningHours.objects.filter(business=business).order_by("weekday", "opens_at"):
            self._hours.setdefault(row.weekday, []).append(row)
        self.closures: dict[date, str] = dict(
            Closure.objects.filter(business=business, date__gte=self.first_day).values_list("date", "reason")
        )

    def is_closed_on(self, day: date) -> bool:
        return day in self.closures

    def periods_on(self, day: date) -> list[Period]:
        """The periods that start on `day` (a closure removes them all), in order."""
        if day < self.first_day:
            raise ValueError(f"schedule loaded from {self.first_day}, asked for {day}")
        if day in self.closures:
            return []
        periods = []
        for row in self._hours.get(day.weekday(), []):
            closes_day = day + timedelta(days=1) if row.overnight else day
            start = wall_clock(day, row.opens_at, self.tz)
            end = wall_clock(closes_day, row.closes_at, self.tz)
            if end > start:  # a period lying wholly inside a skipped hour has no minutes
                periods.append(Period(day=day, start=start, end=end, tz=self.tz))
        return periods

    def periods_between(self, first: date, last: date) -> list[Period]:
        """Periods starting on any date from `first` to `last` inclusive, in order."""
        periods: list[Period] = []
        day = first
        while day <= last:
            periods.extend(self.periods_on(day))
            day += timedelta(days=1)
        return periods

    def period_at(self, at: datetime, *, include_end: bool = False) -> Period | None:
        """The period open at `at` (the one of the evening before, for a time after midnight), or None."""
        day = local_date(at, self.tz)
        for period in self.periods_between(day - timedelta(days=1), day):
            if period.contains(at, include_end=include_end):
                return period
        return None

    def next_periods(self, after: datetime, *, days: int) -> list[Period]:
        """Periods that have not ended by `after`, starting up to `days` days after its date, in order."""
        day = local_date(after, self.tz)
        after = after.astimezone(UTC)
        return [p for p in self.periods_between(day - timedelta(days=1), day + timedelta(days=days)) if p.end > after]
