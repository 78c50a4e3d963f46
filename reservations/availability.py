"""Bookable start times and seat occupancy, shared by the availability selector and the booking services.

Start times lie on a grid of `slot_minutes` from each opening until `last_seating_minutes`
before its closing, computed on the UTC timeline so a night that loses or gains an hour
gets exactly the slots it really has. A booking holds its seats from `starts_at` to
`ends_at`; the room seats `seats_per_slot` guests at any one time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from reservations.models import Reservation, ReservationSettings
from restaurants.models import Business
from restaurants.schedule import Schedule, local_date


class SlotPlanner:
    """The slot grid and occupancy rules of one business as of `now`."""

    def __init__(self, business: Business, settings: ReservationSettings, now: datetime):
        self.business = business
        self.settings = settings
        self.tz = business.tz
        self.now = now.astimezone(UTC)
        self.today = local_date(self.now, self.tz)
        self.slot = timedelta(minutes=settings.slot_minutes)
        self.dining = timedelta(minutes=settings.dining_minutes)
        self.earliest = self.now + timedelta(minutes=settings.lead_minutes)
        self.last_day = self.today + timedelta(days=settings.horizon_days)
        self.schedule = Schedule(business, self.today)

    def grid_on(self, day: date) -> list[datetime]:
        """Every start time (UTC) of the periods that start on `day`, before notice, horizon and capacity."""
        last_seating = timedelta(minutes=self.settings.last_seating_minutes)
        starts = []
        for period in self.schedule.periods_on(day):
            at = period.start
            while at <= period.end - last_seating:
                starts.append(at)
                at += self.slot
        return starts

    def service_day(self, start: datetime) -> date | None:
        """The date whose grid holds `start` (the evening before, for a start after midnight), or None."""
        day = local_date(start, self.tz)
        for candidate in (day, day - timedelta(days=1)):
            if candidate >= self.schedule.first_day and start in self.grid_on(candidate):
                return candidate
        return None

    def holding(self, first: datetime, last: datetime, *, exclude_id: int | None = None) -> list[Reservation]:
        """Bookings of the business holding seats at some moment between `first` and `last`."""
        query = Reservation.objects.filter(
            business=self.business, status__in=Reservation.HOLDING, starts_at__lt=last, ends_at__gt=first
        )
        if exclude_id is not None:
            query = query.exclude(pk=exclude_id)
        return list(query.only("starts_at", "ends_at", "party_size"))

    @staticmethod
    def seats_taken(bookings: Iterable[Reservation], start: datetime, end: datetime) -> int:
        """The most seats held at any one moment in [start, end)."""
        bookings = [b for b in bookings if b.starts_at < end and b.ends_at > start]
        # Occupancy only rises when a booking starts, so checking those moments finds the peak.
        moments = {start} | {b.starts_at for b in bookings if b.starts_at > start}
        return max((sum(b.party_size for b in bookings if b.starts_at <= m < b.ends_at) for m in moments), default=0)

    def fits(self, bookings: Iterable[Reservation], start: datetime, party_size: int) -> bool:
        return self.seats_taken(bookings, start, start + self.dining) + party_size <= self.settings.seats_per_slot

    def open_starts(self, day: date, party_size: int, *, exclude_id: int | None = None) -> list[datetime]:
        """Start times (UTC) on `day` with enough notice and seats for `party_size`: one query."""
        starts = [s for s in self.grid_on(day) if s >= self.earliest and day <= self.last_day]
        if not starts:
            return []
        bookings = self.holding(starts[0], starts[-1] + self.dining, exclude_id=exclude_id)
        return [s for s in starts if self.fits(bookings, s, party_size)]
