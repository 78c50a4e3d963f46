"""Analytics benchmark: the endpoint's selectors on hourly rollups against the same metrics over raw call records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panbot_analytics python bench/analytics.py

It creates its own database, `<DATABASE_URL's name>_bench`, on the same server (the role
needs CREATEDB), migrates it, and drops it at the end, also after an error or Ctrl-C.

Data: 200 businesses (most in Europe/Rome, some in New York, Kolkata and Sydney), two
numbers each, and call records over the 2 years before today loaded with COPY (not ORM
saves), day by day so a business's calls are interleaved with everyone else's as in
production. Business sizes follow Zipf's law (s = 1): the busiest holds ~17% of all calls,
the median ~0.5%. Outcomes as a restaurant sees them (refusals, transfers, ghosts...);
an order on ~12% of calls and a reservation on ~6%, also by COPY.

Stage 1 loads --first calls (default 500,000), builds the rollups and times; stage 2 adds
calls up to --total (default 5,000,000) over the same two years, rebuilds and times again,
so the figures show how both paths grow with the data. Timed at each stage, for the
busiest and the median business, the last 90 days: `analytics_report` (every metric
family plus the previous period: what GET .../analytics/ runs) from rollups and from raw
records, --repeat times each (p50, p95), and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/panbot")

import django

django.setup()

from django.db import connection  # noqa: E402
from own_database import own_database  # noqa: E402  (bench/, the script's folder)

from analytics import sql  # noqa: E402
from analytics.selectors import (  # noqa: E402
    AnalyticsScope,
    analytics_report,
    busiest_hours,
    call_durations,
    call_sales,
    call_volume,
)
from restaurants.models import Business  # noqa: E402
from telephony.models import SipNumber  # noqa: E402

BUSINESSES = 200
DAYS = 730
RANGE_DAYS = 90
ZONES = ["Europe/Rome"] * 7 + ["America/New_York", "Asia/Kolkata", "Australia/Sydney"]
HOURS = {9: 1, 10: 2, 11: 5, 12: 9, 13: 7, 14: 3, 15: 1, 16: 1, 17: 3, 18: 7, 19: 10, 20: 8, 21: 4, 22: 2, 23: 1}
OUTCOMES = [
    ("completed", "caller_hangup", 55), ("completed", "agent_hangup", 16), ("completed", "transferred", 6),
    ("rejected", "number_busy", 8), ("rejected", "business_busy", 4), ("completed", "worker_full", 2),
    ("failed", "error", 2), ("completed", "ghost", 1), ("completed", "silence", 2), ("rejected", "number_inactive", 1),
]  # fmt: skip
RECORD_COLUMNS = (
    "id", "business_id", "sip_number_id", "dialed_number", "caller_number", "sip_call_id", "room_name", "worker_id",
    "status", "reason", "started_at", "ended_at", "duration_seconds", "transcript", "usage", "forwarded_from",
    "in_opening_hours", "language", "config_version",
)  # fmt: skip
ORDER_COLUMNS = (
    "business_id", "call_id", "channel", "status", "fulfilment", "customer_name", "customer_phone", "pickup_at",
    "notes", "currency", "subtotal", "total", "ticket_date", "ticket_number", "created_at", "updated_at",
)  # fmt: skip
RESERVATION_COLUMNS = (
    "business_id", "call_id", "name", "phone", "party_size", "starts_at", "ends_at", "status", "notes",
    "created_at", "updated_at",
)  # fmt: skip


class World:
    """The businesses and numbers, and what generating calls needs to know of them."""

    def __init__(self, today: date) -> None:
        self.first_day = today - timedelta(days=DAYS)
        weights = [1 / (rank + 1) for rank in range(BUSINESSES)]  # Zipf, s = 1
        self.shares = [w / sum(weights) for w in weights]
        self.businesses: list[Business] = []
        self.numbers: list[list[SipNumber]] = []
        for i in range(BUSINESSES):
            business = Business.objects.create(
                name=f"Bench {i}", slug=f"bench-{i}", timezone=ZONES[i % len(ZONES)], public_phone=f"+3906{i:07d}"
            )
            self.businesses.append(business)
            self.numbers.append(
                [
                    SipNumber.objects.create(
                        number=f"+39055{i:04d}{n}00", business=business, assigned_at=business.created_at
                    )
                    for n in range(2)
                ]
            )
        # Each business's local midnight of every day, as UTC: calls are placed from there.
        self.midnights = {
            zone: [
                datetime.combine(self.first_day + timedelta(days=d), datetime.min.time(), ZoneInfo(zone)).astimezone(
                    UTC
                )
                for d in range(DAYS)
            ]
            for zone in set(ZONES)
        }
        self.next_id = 1
        self.tickets: dict[tuple[int, date], int] = {}


def generate(world: World, calls: int, seed: int, orders: IO[str], reservations: IO[str]) -> Iterator[tuple]:
    """`calls` call records (COPY rows) over the two years, day by day; their orders and reservations go to files.

    Streamed: millions of rows never sit in memory at once.
    """
    rng = random.Random(seed)
    hours, hour_weights = list(HOURS), list(accumulate(HOURS.values()))
    outcomes, outcome_weights = [o[:2] for o in OUTCOMES], list(accumulate(o[2] for o in OUTCOMES))
    per_day = [calls * share / DAYS for share in world.shares]
    for day_index in range(DAYS):
        day = world.first_day + timedelta(days=day_index)
        for b, business in enumerate(world.businesses):
            expected = per_day[b]
            count = int(expected) + (rng.random() < expected - int(expected))
            midnight = world.midnights[business.timezone][day_index]
            for _ in range(count):
                hour = rng.choices(hours, cum_weights=hour_weights)[0]
                started = midnight + timedelta(seconds=hour * 3600 + rng.randrange(3600))
                status, reason = rng.choices(outcomes, cum_weights=outcome_weights)[0]
                seconds = 0.0 if status == "rejected" else round(rng.lognormvariate(4.6, 0.6), 1)
                number = world.numbers[b][rng.random() < 0.3]
                call_id = world.next_id
                world.next_id += 1
                ended = started + timedelta(seconds=seconds)
                yield (
                    call_id, business.pk, number.pk, number.number, f"+39333{rng.randrange(10**7):07d}",
                    f"bench-{call_id}", "", "", status, reason, started, ended, seconds, "[]", "{}",
                    business.public_phone if rng.random() < 0.25 else "", rng.random() < 0.85, "it", "0123456789ab",
                )  # fmt: skip
                if status != "completed" or reason in {"worker_full", "ghost"}:
                    continue
                roll = rng.random()
                if roll < 0.15:
                    key = (business.pk, day)
                    world.tickets[key] = world.tickets.get(key, 0) + 1
                    total = f"{rng.uniform(8, 80):.2f}"
                    state = "completed" if rng.random() < 0.95 else "cancelled"
                    pickup = ended + timedelta(minutes=30)
                    ticket = world.tickets[key]
                    _line(orders, business.pk, call_id, "phone", state, "pickup", "Bench", "+393330000000", pickup,
                          "", "EUR", total, total, day, ticket, ended, ended)  # fmt: skip
                elif roll < 0.23:
                    starts = ended + timedelta(days=2)
                    _line(reservations, business.pk, call_id, "Bench", "+393330000000", rng.randint(2, 6), starts,
                          starts + timedelta(minutes=90), "completed", "", ended, ended)  # fmt: skip


def _line(file: IO[str], *values: object) -> None:
    """One row in COPY's text format (none of these values holds a tab, newline or backslash)."""
    file.write("\t".join(v.isoformat() if isinstance(v, date) else str(v) for v in values) + "\n")


def _copy_file(table: str, columns: tuple[str, ...], file: IO[str]) -> int:
    file.seek(0)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as writer:
        while chunk := file.read(1 << 20):
            writer.write(chunk)
    file.seek(0)
    return sum(1 for _ in file)


def load(world: World, calls: int, seed: int) -> float:
    started = time.perf_counter()
    first_id = world.next_id
    with tempfile.TemporaryFile("w+") as orders, tempfile.TemporaryFile("w+") as reservations:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY telephony_callrecord ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as writer,
        ):
            for row in generate(world, calls, seed, orders, reservations):
                writer.write_row(row)
        n_orders = _copy_file("orders_order", ORDER_COLUMNS, orders)
        n_reservations = _copy_file("reservations_reservation", RESERVATION_COLUMNS, reservations)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('telephony_callrecord', 'id'), %s)", [world.next_id])
        # What autovacuum does after a load: statistics, and the visibility map index-only scans rely on.
        cursor.execute("VACUUM ANALYZE telephony_callrecord")
        cursor.execute("VACUUM ANALYZE orders_order")
        cursor.execute("VACUUM ANALYZE reservations_reservation")
    seconds = time.perf_counter() - started
    print(f"   {world.next_id - first_id:,} calls, {n_orders:,} orders, {n_reservations:,} reservations generated and "
          f"copied in {seconds:.0f} s", flush=True)  # fmt: skip
    return seconds


def build_rollups() -> float:
    """All rollups from scratch, one statement (analytics_rebuild does the same in batches per business and month)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {sql.ROLLUP_TABLE}")
        cursor.execute(sql.rollup_insert("telephony_callrecord"))
        cursor.execute(f"VACUUM ANALYZE {sql.ROLLUP_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {sql.ROLLUP_TABLE}")
        rows = cursor.fetchone()[0]
    seconds = time.perf_counter() - started
    print(f"   rollups: {rows:,} rows built in {seconds:.0f} s", flush=True)
    return seconds


def timings(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm: plans and pages, for both paths alike
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def measure(world: World, stage: str, repeat: int, today: date) -> list[dict]:
    results = []
    for label, rank in (("busiest", 0), ("median", BUSINESSES // 2)):
        business = world.businesses[rank]
        scope = {"business_id": business.pk, "timezone": business.timezone,
                 "first": today - timedelta(days=RANGE_DAYS), "last": today - timedelta(days=1)}  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM telephony_callrecord WHERE business_id = %s AND started_at >= %s",
                           [business.pk, datetime.combine(scope["first"] - timedelta(days=RANGE_DAYS),
                                                          datetime.min.time(), UTC)])  # fmt: skip
            calls = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {sql.ROLLUP_TABLE} WHERE business_id = %s AND local_date >= %s",
                           [business.pk, scope["first"] - timedelta(days=RANGE_DAYS)])  # fmt: skip
            rows = cursor.fetchone()[0]
        rollup = AnalyticsScope(**scope)
        raw = AnalyticsScope(**scope, source="raw")
        assert analytics_report(rollup) == analytics_report(raw), "rollups and raw records disagree"
        fast = timings(lambda scope=rollup: analytics_report(scope), repeat)
        slow = timings(lambda scope=raw: analytics_report(scope), max(5, repeat // 4))
        # The parts: the call metrics (what rollups replace) and the sales (orders and reservations, read as they are).
        calls_fast = timings(lambda scope=rollup: _call_metrics(scope), repeat)
        calls_slow = timings(lambda scope=raw: _call_metrics(scope), max(5, repeat // 4))
        sales = timings(lambda scope=rollup: call_sales(scope), repeat)
        result = {
            "stage": stage, "business": label, "calls": calls, "rows": rows,
            "rollup_p50": statistics.median(fast), "rollup_p95": p95(fast),
            "raw_p50": statistics.median(slow), "raw_p95": p95(slow),
        }  # fmt: skip
        result["ratio"] = result["raw_p50"] / result["rollup_p50"]
        result.update(calls_rollup_p50=statistics.median(calls_fast), calls_rollup_p95=p95(calls_fast),
                      calls_raw_p50=statistics.median(calls_slow), sales_p50=statistics.median(sales),
                      sales_p95=p95(sales))  # fmt: skip
        result["calls_ratio"] = result["calls_raw_p50"] / result["calls_rollup_p50"]
        results.append(result)
        print(f"   {label:<8} {calls:>9,} calls / {rows:>6,} rollup rows in the 2x{RANGE_DAYS} days read   "
              f"rollups p50 {result['rollup_p50']:7.1f} ms p95 {result['rollup_p95']:7.1f} ms   "
              f"raw p50 {result['raw_p50']:8.1f} ms p95 {result['raw_p95']:8.1f} ms   "
              f"raw/rollups {result['ratio']:5.1f}x", flush=True)  # fmt: skip
        print(f"   {'':<8} call metrics only: rollups p50 {result['calls_rollup_p50']:6.1f} ms "
              f"p95 {result['calls_rollup_p95']:6.1f} ms, raw p50 {result['calls_raw_p50']:7.1f} ms "
              f"({result['calls_ratio']:.0f}x); sales (orders and reservations) p50 {result['sales_p50']:6.1f} ms "
              f"p95 {result['sales_p95']:6.1f} ms", flush=True)  # fmt: skip
    return results


def _call_metrics(scope: AnalyticsScope) -> None:
    """The report without its sales: the part rollups serve."""
    volume = call_volume(scope)
    call_durations(scope, volume)
    busiest_hours(scope)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", type=int, default=500_000, help="calls in stage 1 (default: 500,000)")
    parser.add_argument("--total", type=int, default=5_000_000, help="calls after stage 2 (default: 5,000,000)")
    parser.add_argument("--repeat", type=int, default=40, help="timed runs per business on rollups (raw: a quarter)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to look into it)")
    options = parser.parse_args()

    with own_database("_bench", keep=options.keep):
        run(options)


def run(options: argparse.Namespace) -> None:
    print(f"PostgreSQL {connection.pg_version // 10000}, Python {sys.version.split()[0]}, Django {django.__version__}, "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    today = datetime.now(UTC).date()
    world = World(today)
    results = []
    stages: Iterator[tuple[str, int, int]] = iter(
        [("stage 1", options.first, 1), ("stage 2", options.total - options.first, 2)]
    )
    loaded = 0
    for stage, calls, seed in stages:
        loaded += calls
        print(f"\n{stage}: loading {calls:,} calls (total {loaded:,}) ...", flush=True)
        load(world, calls, seed)
        build_rollups()
        results += measure(world, f"{loaded:,}", options.repeat, today)

    print("\nsummary (last 90 days, every metric family + the previous period; ms)")
    print("   records    business   calls read  rollup rows  rollups p95  raw p95  raw/rollups (p50)"
          "  | call metrics: rollups p95  raw/rollups (p50)  | sales p95")  # fmt: skip
    for r in results:
        print(f"   {r['stage']:>9}  {r['business']:<8} {r['calls']:>11,} {r['rows']:>12,} {r['rollup_p95']:>12.1f} "
              f"{r['raw_p95']:>8.1f} {r['ratio']:>10.1f}x         | {r['calls_rollup_p95']:>11.1f} "
              f"{r['calls_ratio']:>14.1f}x         | {r['sales_p95']:>8.1f}")  # fmt: skip
    final = [r for r in results if r["stage"] == f"{loaded:,}"]
    worst_p95 = max(r["rollup_p95"] for r in final)
    busiest = next(r for r in final if r["business"] == "busiest")
    print(
        f"\nverdicts at {loaded:,} records: rollups p95 <= 50 ms: {'met' if worst_p95 <= 50 else 'NOT met'} "
        f"({worst_p95:.1f} ms, worst business); >= 50x faster than raw: "
        f"{'met' if busiest['ratio'] >= 50 else 'NOT met'} ({busiest['ratio']:.0f}x for the busiest business)"
    )


if __name__ == "__main__":
    main()
