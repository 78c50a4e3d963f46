"""What one finished call adds to its hourly rollup row: one definition, as SQL and as Python, column by column.

PostgreSQL maintains rollups with SQL (analytics/sql.py builds its statements from the
`sql` halves below: call ends, the reaper, refusals and rebuilds in one statement each);
the embedded default (SQLite: `make run`) adds the same rows from Python, with the `of`
halves, in the transaction that ended the calls. tests/analytics/test_rollup_python.py
runs both on the same records and compares every column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from analytics.models import DURATION_BOUNDS, HISTOGRAM_COLUMNS, duration_bucket


class Finished(Protocol):
    """The fields of a call record a rollup reads."""

    business_id: int | None
    sip_number_id: int | None
    status: str
    reason: str
    started_at: datetime
    duration_seconds: float | None
    forwarded_from: str
    in_opening_hours: bool | None


@dataclasses.dataclass(frozen=True)
class Fact:
    """One rollup column: its value for one call record `r`, as a SQL expression and as a Python function."""

    sql: str
    of: Callable[[Finished], int]


LIMIT_REASONS = ("number_busy", "business_busy", "worker_full")
INACTIVE_REASONS = ("number_inactive", "business_inactive")
_ANSWERED_SQL = "(r.status = 'completed' AND r.reason <> 'worker_full')"
_LIMITS_SQL = "r.reason IN ('number_busy', 'business_busy', 'worker_full')"


def answered(r: Finished) -> bool:
    """A completed call the agent took (a worker_full call completes without the agent)."""
    return r.status == "completed" and r.reason != "worker_full"


def answered_ms(r: Finished) -> int:
    # round() as PostgreSQL's round(double precision): to the nearest, ties to even; the same float product.
    return round(r.duration_seconds * 1000) if answered(r) and r.duration_seconds is not None else 0


def bucket(r: Finished) -> int | None:
    """The duration histogram bucket of an answered call (None otherwise): width_bucket in SQL."""
    return duration_bucket(r.duration_seconds) if answered(r) and r.duration_seconds is not None else None


# One finished call's contribution to each counting column (analytics.sql.SUM_COLUMNS order).
FACTS: dict[str, Fact] = {
    "calls": Fact("1", lambda r: 1),
    "completed": Fact("(r.status = 'completed')::int", lambda r: int(r.status == "completed")),
    "rejected": Fact("(r.status = 'rejected')::int", lambda r: int(r.status == "rejected")),
    "failed": Fact("(r.status = 'failed')::int", lambda r: int(r.status == "failed")),
    "answered": Fact(f"{_ANSWERED_SQL}::int", lambda r: int(answered(r))),
    "number_busy": Fact("(r.reason = 'number_busy')::int", lambda r: int(r.reason == "number_busy")),
    "business_busy": Fact("(r.reason = 'business_busy')::int", lambda r: int(r.reason == "business_busy")),
    "worker_full": Fact("(r.reason = 'worker_full')::int", lambda r: int(r.reason == "worker_full")),
    "inactive": Fact(
        "(r.reason IN ('number_inactive', 'business_inactive'))::int", lambda r: int(r.reason in INACTIVE_REASONS)
    ),
    "lost_forwarded": Fact(
        f"({_LIMITS_SQL} AND r.forwarded_from <> '')::int",
        lambda r: int(r.reason in LIMIT_REASONS and r.forwarded_from != ""),
    ),
    "transferred": Fact("(r.reason = 'transferred')::int", lambda r: int(r.reason == "transferred")),
    "ghosts": Fact("(r.reason = 'ghost')::int", lambda r: int(r.reason == "ghost")),
    "after_hours": Fact("(r.in_opening_hours IS FALSE)::int", lambda r: int(r.in_opening_hours is False)),
    # Milliseconds as integers: float sums depend on their order, integer sums do not.
    "answered_ms": Fact(
        f"CASE WHEN {_ANSWERED_SQL} THEN round(r.duration_seconds * 1000)::bigint ELSE 0 END", answered_ms
    ),
}
_BOUNDS_SQL = "ARRAY[" + ", ".join(f"{bound}" for bound in DURATION_BOUNDS) + "]::double precision[]"
# 0-based histogram bucket of an answered call (NULL otherwise); Python's `bucket`.
BUCKET_SQL = f"CASE WHEN {_ANSWERED_SQL} THEN width_bucket(r.duration_seconds, {_BOUNDS_SQL}) END"


def _in_bucket(i: int) -> Callable[[Finished], int]:
    return lambda r: int(bucket(r) == i)


FACTS.update(
    {
        column: Fact(f"({BUCKET_SQL} IS NOT DISTINCT FROM {i})::int", _in_bucket(i))
        for i, column in enumerate(HISTOGRAM_COLUMNS)
    }
)

# A rollup row's key: business, number, the instant its local hour starts, that hour's local date and hour.
RollupKey = tuple[int, int | None, datetime, date, int]


def hour_key(r: Finished, tz: ZoneInfo) -> RollupKey:
    """The rollup row a call belongs to: the local hour it started in (analytics.sql.HOUR_EXPRESSION).

    The hour's start is the instant less what the local clock shows past the hour, so the
    two 02:00 hours of the night summer time ends are two rows, as in SQL.
    """
    if r.business_id is None:
        raise ValueError("a call of no business has no rollup")
    started = r.started_at.astimezone(UTC)  # instant arithmetic: no wall clock, no fold
    local = started.astimezone(tz)
    hour = started - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    return (r.business_id, r.sip_number_id, hour, local.date(), local.hour)


def rollup_rows(records: Iterable[Finished], zones: Mapping[int, ZoneInfo]) -> dict[RollupKey, dict[str, int]]:
    """The rollup rows of these calls, summed by key (finished calls of a business only, as in SQL).

    `zones`: each business's time zone, by business id.
    """
    rows: dict[RollupKey, dict[str, int]] = {}
    for r in records:
        if r.business_id is None or r.status == "in_progress":
            continue
        sums = rows.setdefault(hour_key(r, zones[r.business_id]), dict.fromkeys(FACTS, 0))
        for column, fact in FACTS.items():
            sums[column] += fact.of(r)
    return rows
