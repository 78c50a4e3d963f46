"""Hourly rollups of finished calls: what reports read instead of millions of call records."""

from __future__ import annotations

from bisect import bisect_right

from django.db import models

from panbot.tenancy import tenant_manager

# Upper bounds (seconds, exclusive) of the duration histogram's buckets; one more bucket
# holds everything from the last bound on. Fixed forever: rollups of different ages are
# summed bucket by bucket, so changing them means `manage.py analytics_rebuild`.
# Calls last at most MAX_CALL_MINUTES_MAX (60) minutes, so the open bucket stays empty
# but for ghosts whose last heartbeat came after the hour.
DURATION_BOUNDS: tuple[int, ...] = (10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600)
DURATION_BUCKETS = len(DURATION_BOUNDS) + 1


def duration_bucket(seconds: float) -> int:
    """The 0-based histogram bucket of a duration: as PostgreSQL's width_bucket(seconds, bounds)."""
    return bisect_right(DURATION_BOUNDS, seconds)


# The histogram's columns, bucket by bucket (d00: under 10 s ... d17: an hour or more).
HISTOGRAM_COLUMNS: tuple[str, ...] = tuple(f"d{i:02d}" for i in range(DURATION_BUCKETS))


class CallHourlyRollup(models.Model):
    """Finished calls of one business and number that started in one local hour, summed.

    Every column is a count or a sum, so any set of rows adds up to exactly what the
    same query over the call records would give (rollup = raw, property-tested).
    `hour` is the instant the local hour starts: the two 02:00 hours of the night
    summer time ends are two rows; `local_date` and `local_hour` are their wall clock
    in the business's time zone when the row was written (a business that changes
    its time zone needs `manage.py analytics_rebuild --business`).
    """

    # No index of its own: the two below start with the business.
    business = models.ForeignKey(
        "restaurants.Business", on_delete=models.CASCADE, related_name="call_rollups", db_index=False
    )
    sip_number = models.ForeignKey(
        "telephony.SipNumber", null=True, blank=True, on_delete=models.CASCADE, related_name="call_rollups"
    )
    hour = models.DateTimeField(help_text="Start of the local hour, as an instant.")
    local_date = models.DateField()
    local_hour = models.PositiveSmallIntegerField()

    calls = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0, help_text="Completed calls the agent took (not worker_full).")
    number_busy = models.PositiveIntegerField(default=0)
    business_busy = models.PositiveIntegerField(default=0)
    worker_full = models.PositiveIntegerField(default=0)
    inactive = models.PositiveIntegerField(default=0, help_text="Refused: number or business inactive.")
    lost_forwarded = models.PositiveIntegerField(
        default=0, help_text="Calls lost to limits that came forwarded (Diversion): PBX overflow."
    )
    transferred = models.PositiveIntegerField(default=0)
    ghosts = models.PositiveIntegerField(default=0)
    after_hours = models.PositiveIntegerField(default=0)
    answered_ms = models.BigIntegerField(default=0, help_text="Sum of answered calls' durations, in milliseconds.")
    # Answered calls per duration bucket (DURATION_BOUNDS): plain columns, so a report sums them
    # with the counts in one pass.
    d00 = models.PositiveIntegerField(default=0, help_text="Answered calls of 0-10 s.")
    d01 = models.PositiveIntegerField(default=0, help_text="Answered calls of 10-20 s.")
    d02 = models.PositiveIntegerField(default=0, help_text="Answered calls of 20-30 s.")
    d03 = models.PositiveIntegerField(default=0, help_text="Answered calls of 30-45 s.")
    d04 = models.PositiveIntegerField(default=0, help_text="Answered calls of 45-60 s.")
    d05 = models.PositiveIntegerField(default=0, help_text="Answered calls of 60-90 s.")
    d06 = models.PositiveIntegerField(default=0, help_text="Answered calls of 90-120 s.")
    d07 = models.PositiveIntegerField(default=0, help_text="Answered calls of 120-180 s.")
    d08 = models.PositiveIntegerField(default=0, help_text="Answered calls of 180-240 s.")
    d09 = models.PositiveIntegerField(default=0, help_text="Answered calls of 240-300 s.")
    d10 = models.PositiveIntegerField(default=0, help_text="Answered calls of 300-420 s.")
    d11 = models.PositiveIntegerField(default=0, help_text="Answered calls of 420-600 s.")
    d12 = models.PositiveIntegerField(default=0, help_text="Answered calls of 600-900 s.")
    d13 = models.PositiveIntegerField(default=0, help_text="Answered calls of 900-1200 s.")
    d14 = models.PositiveIntegerField(default=0, help_text="Answered calls of 1200-1800 s.")
    d15 = models.PositiveIntegerField(default=0, help_text="Answered calls of 1800-2700 s.")
    d16 = models.PositiveIntegerField(default=0, help_text="Answered calls of 2700-3600 s.")
    d17 = models.PositiveIntegerField(default=0, help_text="Answered calls of 3600 s or more.")

    objects: models.Manager[CallHourlyRollup] = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "sip_number", "hour"],
                nulls_distinct=False,
                name="rollup_unique_business_number_hour",
            ),
            models.CheckConstraint(condition=models.Q(local_hour__lte=23), name="rollup_local_hour_range"),
        ]
        indexes = [models.Index(fields=["business", "local_date"], name="rollup_business_date")]

    def __str__(self) -> str:
        return f"{self.business_id}/{self.sip_number_id} {self.local_date} {self.local_hour:02d}h: {self.calls}"
