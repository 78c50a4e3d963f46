"""The SQL that turns call records into hourly rollups on PostgreSQL: used everywhere PostgreSQL writes a rollup.

`rollup_select(source, where)` aggregates rows of `source` (the call record table, or a
CTE with its columns such as the `ended` rows of call_end's statement) into rollup rows;
`ROLLUP_ADD` adds them to existing rows (call_end, the reaper, refusals), `rollup_insert`
writes them fresh (analytics_rebuild). Local hours and dates come from the business's
time zone, read in the same statement. What each column counts is analytics/facts.py's
(SQL and Python side by side; the embedded default adds rollups with the Python).
"""

from __future__ import annotations

from analytics.facts import BUCKET_SQL, FACTS
from analytics.models import HISTOGRAM_COLUMNS

ROLLUP_TABLE = "analytics_callhourlyrollup"
KEY_COLUMNS = ("business_id", "sip_number_id", "hour", "local_date", "local_hour")
SUM_COLUMNS = (
    "calls", "completed", "rejected", "failed", "answered", "number_busy", "business_busy", "worker_full",
    "inactive", "lost_forwarded", "transferred", "ghosts", "after_hours", "answered_ms",
)  # fmt: skip
# One finished call's contribution to each column (SUM_COLUMNS, then the histogram), as SQL over `r`.
FACT_EXPRESSIONS = {column: fact.sql for column, fact in FACTS.items()}
# 0-based histogram bucket of an answered call (NULL otherwise); Python's facts.bucket.
BUCKET_EXPRESSION = BUCKET_SQL
# Every column a rollup row sums: the counts, then the duration histogram.
ALL_SUMS = SUM_COLUMNS + HISTOGRAM_COLUMNS
if tuple(FACTS) != ALL_SUMS:
    raise ImportError("analytics.facts.FACTS must define every rollup column, in ALL_SUMS order")
LOCAL = "(r.started_at AT TIME ZONE b.timezone)"
# The start of the local hour as an instant: the instant minus what the local clock shows past the
# hour. (Not date_trunc(...) AT TIME ZONE: on the night summer time ends that would fold the second
# 02:00 hour into the first.)
HOUR_EXPRESSION = f"r.started_at - ({LOCAL} - date_trunc('hour', {LOCAL}))"
FINISHED = "r.business_id IS NOT NULL AND r.status <> 'in_progress'"


def rollup_select(source: str, where: str = "true") -> str:
    """SELECT of rollup rows (KEY_COLUMNS, then ALL_SUMS) for the finished calls of `source`."""
    sums = ",\n           ".join(f"sum({FACT_EXPRESSIONS[c]}) AS {c}" for c in ALL_SUMS)
    return f"""
    SELECT r.business_id, r.sip_number_id, {HOUR_EXPRESSION} AS hour,
           {LOCAL}::date AS local_date, extract(hour FROM {LOCAL})::int AS local_hour,
           {sums}
      FROM {source} r JOIN restaurants_business b ON b.id = r.business_id
     WHERE {FINISHED} AND ({where})
     GROUP BY 1, 2, 3, 4, 5
    """


_INSERT_COLUMNS = ", ".join((*KEY_COLUMNS, *ALL_SUMS))


def rollup_insert(source: str, where: str = "true") -> str:
    """INSERT of fresh rollup rows for the calls of `source` (analytics_rebuild, after deleting the old ones)."""
    return f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) {rollup_select(source, where)}"


def rollup_add(source: str, where: str = "true") -> str:
    """Upsert adding the calls of `source` to their rollup rows: what ends a call adds, in the same statement."""
    adds = ",\n           ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in ALL_SUMS)
    return f"""
    INSERT INTO {ROLLUP_TABLE} AS t ({_INSERT_COLUMNS}) {rollup_select(source, where)}
    ON CONFLICT (business_id, sip_number_id, hour) DO UPDATE
       SET {adds}
    """


def in_opening_hours(*, business_id: str, at: str) -> str:
    """SQL boolean: whether the business's weekly hours (less its closure days) are open at instant `at`.

    As restaurants.schedule.Schedule.period_at: a period belongs to the date it opens on
    (one closing before it opens runs past midnight), and a closure on that date removes
    it. `business_id` and `at` are SQL expressions (placeholders or columns).
    """
    local = f"({at} AT TIME ZONE b.timezone)"
    yesterday = f"({local} - interval '1 day')"
    return f"""EXISTS (
        SELECT 1 FROM restaurants_business b JOIN restaurants_openinghours h ON h.business_id = b.id
         WHERE b.id = {business_id}
           AND ((h.weekday = extract(isodow FROM {local})::int - 1
                 AND {local}::time >= h.opens_at AND (h.closes_at < h.opens_at OR {local}::time < h.closes_at)
                 AND NOT EXISTS (SELECT 1 FROM restaurants_closure c
                                  WHERE c.business_id = b.id AND c.date = {local}::date))
             OR (h.closes_at < h.opens_at
                 AND h.weekday = extract(isodow FROM {yesterday})::int - 1 AND {local}::time < h.closes_at
                 AND NOT EXISTS (SELECT 1 FROM restaurants_closure c
                                  WHERE c.business_id = b.id AND c.date = {yesterday}::date))))"""
