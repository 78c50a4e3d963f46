"""Call admission benchmark: correctness under contention, throughput and latency, ghost reclaim.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panbot python bench/admission.py

It creates its own database, `<DATABASE_URL's name>_bench`, on the same server (the
role needs CREATEDB), migrates it, and drops it at the end, also after an error or
Ctrl-C. With REDIS_URL set, events are pushed to Redis (pub/sub) on commit as in production
(channel-layer prefix `bench`); without it they go to the in-memory layer.

Three implementations run side by side: `call_admit`/`call_end`; "unlocked", the same
code with its row-locking clauses removed (the difference is the locking); and "naive",
a plain ORM count-then-insert without locks.

(a) 100 trials of 50 simultaneous admissions for one number with limit 2 (threads,
    each with its own connection, released together by a barrier): over- and
    under-admissions per implementation.
(b) admit+end cycles across 100 businesses at concurrency 1, 8 and 32: worker
    processes that, like the LiveKit agent worker, run an event loop and call the
    services through sync_to_async. Each implementation runs --rounds times per level,
    interleaved, because this machine is shared and its speed drifts; the median
    throughput is reported, latencies are pooled.
(c) 200 calls that vanish (stop heartbeating at staggered moments): seconds from each
    one's last heartbeat until its slot is free, (1) with only the reaper running every
    CALL_REAPER_SECONDS as under Celery beat, (2) with the reaper stopped, through new callers dialing.

Options: --parts abc, --trials, --seconds, --rounds, --levels 1,8,32, --no-push
(diagnostic: Event rows are written but not pushed). Only ratios within one run travel.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "bench")
# A few callers dial thousands of times a minute here: the flood limit (its own tests in
# tests/telephony/test_call_flood*.py) would refuse most of them and measure nothing else.
os.environ.setdefault("CALLER_MAX_CALLS_PER_MINUTE", "10000")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/panbot")

import django

django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from own_database import own_database  # noqa: E402  (bench/, the script's folder)

from panbot.events import emit  # noqa: E402
from panbot.tenancy import runs_platform_wide  # noqa: E402
from restaurants.models import Business  # noqa: E402
from telephony import services  # noqa: E402
from telephony.models import ActiveCall, CallRecord, SipNumber  # noqa: E402
from telephony.services.calls.backends import postgres  # noqa: E402

CONCURRENCY_LEVELS = (1, 8, 32)
SIMULTANEOUS = 50
NUMBER_LIMIT = 2
VANISHED_CALLS = 200
REAPER_INTERVAL = float(settings.CALL_REAPER_SECONDS)  # as CELERY_BEAT_SCHEDULE runs it


# --- fixtures -----------------------------------------------------------------------------------


def make_numbers(prefix: str, count: int, *, number_limit: int, business_limit: int) -> list[SipNumber]:
    """`count` businesses with one number each (bulk inserts: this is setup, not the thing measured)."""
    now = timezone.now()
    first = 100_000 + SipNumber.objects.count()  # "+39055" + 6 digits: valid Florence numbers
    businesses = Business.objects.bulk_create(
        Business(name=f"{prefix} {i}", slug=f"{prefix}-{i}", max_concurrent_calls=business_limit) for i in range(count)
    )
    return SipNumber.objects.bulk_create(
        SipNumber(
            number=f"+39055{first + i:06d}",
            business=business,
            assigned_at=now,
            max_concurrent_calls=number_limit,
            label=prefix,
        )
        for i, business in enumerate(businesses)
    )


# --- the naive baseline: count, then insert, no lock ---------------------------------------------


@runs_platform_wide  # as the real call path (panbot.tenancy); it runs in threads and processes
def naive_admit(*, called: str, caller: str, sip_call_id: str, room_name: str) -> int | None:
    """What call_admit would be without its locks; the ActiveCall id, or None when refused."""
    with transaction.atomic():
        number = SipNumber.objects.select_related("business").get(number=called)
        on_number = ActiveCall.objects.filter(sip_number=number).count()
        on_business = ActiveCall.objects.filter(business_id=number.business_id).count()
        now = timezone.now()
        common = {
            "business_id": number.business_id, "sip_number": number, "dialed_number": called,
            "caller_number": caller, "sip_call_id": sip_call_id, "room_name": room_name, "started_at": now,
        }  # fmt: skip
        if on_number >= number.max_concurrent_calls or on_business >= number.business.max_concurrent_calls:
            CallRecord.objects.create(status="rejected", reason="number_busy", ended_at=now, **common)
            return None
        record = CallRecord.objects.create(**common)
        active = ActiveCall.objects.create(
            business_id=number.business_id, sip_number=number, call_record=record, sip_call_id=sip_call_id,
            room_name=room_name, caller_number=caller, started_at=now, last_heartbeat_at=now,
        )  # fmt: skip
        emit(number.business_id, "call.started", {"call_record_id": record.pk})
        return active.pk


@runs_platform_wide
def naive_end(*, active_call_id: int) -> None:
    with transaction.atomic():
        active = ActiveCall.objects.select_related("call_record").get(pk=active_call_id)
        active.delete()
        record = active.call_record
        record.status, record.reason, record.ended_at = "completed", "caller_hangup", timezone.now()
        record.duration_seconds = (record.ended_at - record.started_at).total_seconds()
        record.save()
        emit(record.business_id, "call.ended", {"call_record_id": record.pk})


def locked_admit(*, called: str, caller: str, sip_call_id: str, room_name: str) -> int | None:
    admission = services.call_admit(called=called, caller=caller, sip_call_id=sip_call_id, room_name=room_name)
    return admission.active_call_id if admission.admitted else None


def locked_end(*, active_call_id: int) -> None:
    services.call_end(active_call_id=active_call_id, reason="caller_hangup")


@contextlib.contextmanager
def without_locks() -> Iterator[None]:
    """call_admit with its row locks removed: the same statements, so the difference is the locking."""
    route = postgres.ROUTE_SQL
    postgres.ROUTE_SQL = route.replace("FOR NO KEY UPDATE", "")
    assert "FOR" not in postgres.ROUTE_SQL
    try:
        yield
    finally:
        postgres.ROUTE_SQL = route


IMPLEMENTATIONS = {
    # name: (admit, end, context); "unlocked" is a diagnostic, not something to ship
    "call_admit": (locked_admit, locked_end, contextlib.nullcontext),
    "unlocked": (locked_admit, locked_end, without_locks),
    "naive": (naive_admit, naive_end, contextlib.nullcontext),
}


# --- (a) correctness under contention --------------------------------------------------------------


def contention(name: str, admit: Callable[..., int | None], numbers: list[SipNumber]) -> dict:
    trials = len(numbers)
    admitted = [[False] * SIMULTANEOUS for _ in range(trials)]
    errors: list[str] = []
    barrier = threading.Barrier(SIMULTANEOUS)

    def caller(slot: int) -> None:
        try:
            for trial, number in enumerate(numbers):
                barrier.wait()
                try:
                    active = admit(
                        called=number.number,
                        caller=f"+39333{slot:07d}",
                        sip_call_id=f"{name}-{trial}-{slot}",
                        room_name=f"call-{name}-{trial}-{slot}",
                    )
                    admitted[trial][slot] = active is not None
                except Exception as exc:
                    errors.append(f"trial {trial}: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(slot,)) for slot in range(SIMULTANEOUS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    per_trial = [sum(row) for row in admitted]
    return {
        "name": name,
        "trials": trials,
        "over": sum(1 for n in per_trial if n > NUMBER_LIMIT),
        "over_calls": sum(n - NUMBER_LIMIT for n in per_trial if n > NUMBER_LIMIT),
        "under": sum(1 for n in per_trial if n < NUMBER_LIMIT),
        "max": max(per_trial),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": elapsed,
    }


# --- (b) throughput and latency ------------------------------------------------------------------------


def _cycle_worker(args: tuple) -> tuple[list[float], list[float], int, int]:
    """One agent worker process: admit+end cycles until the deadline; admit and cycle latencies in ms.

    Like the LiveKit agent worker, it runs an event loop and calls the services through
    sync_to_async; on-commit event pushes go out from the process's event thread.
    """
    kind, worker, numbers, deadline, start_at = args
    connections.close_all()  # never share the parent's socket
    admit, end, context = IMPLEMENTATIONS[kind]
    context().__enter__()  # this process only runs `kind`
    admit_async, end_async = sync_to_async(admit), sync_to_async(end)
    rng = random.Random(worker)

    async def agent() -> tuple[list[float], list[float], int, int]:
        admit_ms: list[float] = []
        cycle_ms: list[float] = []
        refused = cycles = 0
        warm_key = f"warm-{kind}-{worker}-{start_at}"
        warm = await admit_async(called=numbers[0], caller="+393330000000", sip_call_id=warm_key, room_name="warm")
        if warm is not None:
            await end_async(active_call_id=warm)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        while time.time() < deadline:
            number = rng.choice(numbers)
            key = f"{kind}-{worker}-{cycles}-{start_at}"
            t0 = time.perf_counter()
            active = await admit_async(called=number, caller="+393331234567", sip_call_id=key, room_name=f"call-{key}")
            t1 = time.perf_counter()
            if active is None:
                refused += 1
            else:
                await end_async(active_call_id=active)
            t2 = time.perf_counter()
            admit_ms.append((t1 - t0) * 1000)
            cycle_ms.append((t2 - t0) * 1000)
            cycles += 1
        await sync_to_async(connections.close_all)()
        return admit_ms, cycle_ms, cycles, refused

    return asyncio.run(agent())


def throughput(kind: str, numbers: list[str], concurrency: int, seconds: float) -> dict:
    """One run of `concurrency` worker processes doing cycles of `kind` for `seconds`."""
    start_at = time.time() + 1.5 + concurrency * 0.05  # every worker connected and warm before the clock starts
    deadline = start_at + seconds
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(concurrency) as pool:
        results = pool.map(_cycle_worker, [(kind, w, numbers, deadline, start_at) for w in range(concurrency)])
    return {
        "cycles_per_s": sum(r[2] for r in results) / seconds,
        "admit_ms": [ms for r in results for ms in r[0]],
        "cycle_ms": [ms for r in results for ms in r[1]],
        "refused": sum(r[3] for r in results),
    }


def summarise(runs: list[dict]) -> dict:
    """Several runs of one implementation: median throughput, latencies pooled."""
    admit_ms = sorted(ms for run in runs for ms in run["admit_ms"])
    cycle_ms = sorted(ms for run in runs for ms in run["cycle_ms"])
    return {
        "cycles_per_s": statistics.median(run["cycles_per_s"] for run in runs),
        "admit_p50": percentile(admit_ms, 50),
        "admit_p99": percentile(admit_ms, 99),
        "cycle_p50": percentile(cycle_ms, 50),
        "cycle_p99": percentile(cycle_ms, 99),
        "refused": sum(run["refused"] for run in runs),
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --- (c) reclaim of vanished calls --------------------------------------------------------------------


def vanish(numbers: list[SipNumber], tag: str) -> dict[int, float]:
    """Admit one call per number, heartbeat each once at a staggered moment, then stop; last heartbeat per number."""
    actives = {}
    for number in numbers:
        admission = services.call_admit(
            called=number.number, caller="+393339999999", sip_call_id=f"{tag}-{number.pk}", room_name=f"call-{tag}"
        )
        assert admission.admitted, admission
        actives[number.pk] = admission.active_call_id
    order = list(numbers)
    random.Random(7).shuffle(order)
    spread = 2.0  # agents dying over two seconds, not all at once
    t0 = time.time()
    for i, number in enumerate(order):
        time.sleep(max(0.0, t0 + spread * i / len(order) - time.time()))
        services.call_heartbeat(active_call_id=actives[number.pk])
    return {
        call.sip_number_id: call.last_heartbeat_at.timestamp()
        for call in ActiveCall.objects.filter(pk__in=actives.values())
    }


def reclaim_by_reaper(numbers: list[SipNumber]) -> list[float]:
    last_beat = vanish(numbers, "reaper")
    stop = threading.Event()

    def beat() -> None:  # what celery beat + a worker do: run the task every 5 s
        try:
            while not stop.wait(REAPER_INTERVAL):
                services.calls_reap_stale()
        finally:
            connection.close()

    reaper = threading.Thread(target=beat)
    reaper.start()
    deadline = max(last_beat.values()) + settings.CALL_LEASE_SECONDS + 3 * REAPER_INTERVAL
    try:
        while ActiveCall.objects.filter(sip_number_id__in=last_beat).exists() and time.time() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        reaper.join()
    ended = dict(
        CallRecord.objects.filter(
            sip_number_id__in=last_beat, sip_call_id__startswith="reaper-", reason="ghost"
        ).values_list("sip_number_id", "pk")
    )
    # When each slot was freed: the moment its call.ended event was written, in the reaper's transaction.
    from panbot.models import Event

    freed = {
        event.payload["sip_number_id"]: event.created_at.timestamp()
        for event in Event.objects.filter(type="call.ended", payload__call_record_id__in=list(ended.values()))
    }
    missing = len(last_beat) - len(freed)
    if missing:
        print(f"   !! {missing} slots not freed by the reaper within {deadline - max(last_beat.values()):.0f} s")
    return [freed[n] - last_beat[n] for n in freed]


def reclaim_by_admission(numbers: list[SipNumber]) -> list[float]:
    """Reaper stopped (Celery down): a new caller dials each number as its lease runs out; when does one get in?

    Each number is first dialed 20 ms after its ghost's lease expired, then every
    50 ms until admitted (8 dialing threads): the delay measured is the lease plus
    how long admission takes to see the slot free, within those 50 ms steps.
    """
    last_beat = vanish(numbers, "admission")
    lease = settings.CALL_LEASE_SECONDS
    queue = [(last_beat[number.pk] + lease + 0.02, number.number, number.pk) for number in numbers]
    heapq.heapify(queue)
    free_at: dict[int, float] = {}
    lock = threading.Lock()
    deadline = max(last_beat.values()) + lease + 10

    def dialer() -> None:
        try:
            while time.time() < deadline:
                with lock:
                    if not queue:
                        return
                    due, called, number_id = heapq.heappop(queue)
                time.sleep(max(0.0, due - time.time()))
                admission = services.call_admit(
                    called=called, caller="+393330001111", sip_call_id=f"redial-{called}-{due}", room_name="call-redial"
                )
                with lock:
                    if admission.admitted:
                        free_at[number_id] = time.time()
                    else:
                        heapq.heappush(queue, (due + 0.05, called, number_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=dialer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(free_at) < len(numbers):
        print(f"   !! {len(numbers) - len(free_at)} numbers never admitted a new call")
    return [free_at[n] - last_beat[n] for n in free_at]


# --- main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--parts", default="abc", help="which parts to run (default: abc)")
    parser.add_argument("--trials", type=int, default=100, help="(a) trials (default: 100)")
    parser.add_argument("--seconds", type=float, default=5.0, help="(b) seconds per run (default: 5)")
    parser.add_argument("--rounds", type=int, default=3, help="(b) runs per implementation and level (default: 3)")
    parser.add_argument("--levels", default=",".join(map(str, CONCURRENCY_LEVELS)), help="(b) concurrency levels")
    parser.add_argument(
        "--no-push", action="store_true", help="diagnostic: write Event rows but skip their channel-layer push"
    )
    options = parser.parse_args()
    if options.no_push:
        import panbot.events

        panbot.events._push = lambda message: None

    with own_database("_bench"):
        run(options)


def run(options: argparse.Namespace) -> None:
    pushes = "none (--no-push)" if options.no_push else ("Redis" if settings.REDIS_URL else "in-memory channel layer")
    print(
        f"PostgreSQL {connection.pg_version // 10000}, Python {sys.version.split()[0]}, Django {django.__version__}, "
        f"{os.cpu_count()} CPUs; lease {settings.CALL_LEASE_SECONDS} s; event pushes: {pushes}\n",
        flush=True,
    )
    verdicts: list[str] = []

    if "a" in options.parts:
        print(f"(a) {options.trials} trials x {SIMULTANEOUS} simultaneous admissions, one number, limit {NUMBER_LIMIT}")
        over = {}
        for name, (admit, _end, context) in IMPLEMENTATIONS.items():
            numbers = make_numbers(f"{name}-a", options.trials, number_limit=NUMBER_LIMIT, business_limit=500)
            with context():
                result = contention(name, admit, numbers)
            ActiveCall.objects.all().delete()  # cleanup, not measured: leave no ghosts for (c) to reap
            over[name] = result["over_calls"]
            print(
                f"   {name:<11} trials over-admitting {result['over']:>3}/{result['trials']} "
                f"(extra calls {result['over_calls']:>4}, worst {result['max']} in)  "
                f"under-admitting {result['under']:>3}  errors {result['errors']}  {result['seconds']:.1f} s "
                f"{result['first_error']}",
                flush=True,
            )
        verdicts.append(f"zero over-admission: {'met' if over['call_admit'] == 0 else 'NOT met'} "
                        f"(call_admit {over['call_admit']} extra calls; without its locks {over['unlocked']}, "
                        f"naive {over['naive']})")  # fmt: skip

    if "b" in options.parts:
        print(
            f"\n(b) admit+end cycles across 100 businesses: {options.rounds} rounds of {options.seconds:.0f} s per "
            "implementation and level, interleaved; median cycles/s, latency (ms) over all rounds"
        )
        print("   impl        conc  cycles/s  admit p50  admit p99  cycle p50  cycle p99  refused")
        numbers = {
            name: [n.number for n in make_numbers(f"{name}-b", 100, number_limit=100, business_limit=100)]
            for name in IMPLEMENTATIONS
        }
        best = 0.0
        for concurrency in [int(level) for level in options.levels.split(",")]:
            runs: dict[str, list[dict]] = {name: [] for name in IMPLEMENTATIONS}
            for round_ in range(options.rounds):
                names = list(IMPLEMENTATIONS)
                for name in names[round_ % len(names) :] + names[: round_ % len(names)]:  # rotate who goes first
                    runs[name].append(throughput(name, numbers[name], concurrency, options.seconds))
            rows = {name: summarise(name_runs) for name, name_runs in runs.items()}
            for name, row in rows.items():
                print(
                    f"   {name:<11} {concurrency:>4} "
                    f"{row['cycles_per_s']:>9.0f} {row['admit_p50']:>10.2f} {row['admit_p99']:>10.2f} "
                    f"{row['cycle_p50']:>10.2f} {row['cycle_p99']:>10.2f} {row['refused']:>8}"
                )
            ours = rows["call_admit"]["cycles_per_s"]
            print(
                f"   at {concurrency}: call_admit / unlocked {ours / rows['unlocked']['cycles_per_s']:.2f}, "
                f"call_admit / naive {ours / rows['naive']['cycles_per_s']:.2f} (throughput)",
                flush=True,
            )
            best = max(best, ours)
            if concurrency == 8:
                p99 = rows["call_admit"]["admit_p99"]
                verdicts.append(f"p99 call_admit <= 10 ms at concurrency 8: {'met' if p99 <= 10 else 'NOT met'} "
                                f"({p99:.1f} ms)")  # fmt: skip
        verdicts.append(f">= 500 admit+end cycles/s: {'met' if best >= 500 else 'NOT met'} (best {best:.0f}/s)")
        close_old_connections()

    if "c" in options.parts:
        print(f"\n(c) {VANISHED_CALLS} vanished calls: seconds from last heartbeat to slot free (lease "
              f"{settings.CALL_LEASE_SECONDS} s)", flush=True)  # fmt: skip
        for label, measure, prefix in (
            (f"reaper every {REAPER_INTERVAL:.0f} s", reclaim_by_reaper, "ghost-r"),
            ("admission only", reclaim_by_admission, "ghost-a"),
        ):
            numbers = make_numbers(prefix, VANISHED_CALLS, number_limit=1, business_limit=1)
            delays = sorted(measure(numbers))
            print(
                f"   {label:<16} freed {len(delays)}/{VANISHED_CALLS}  min {min(delays):.2f}  "
                f"p50 {statistics.median(delays):.2f}  p99 {percentile(delays, 99):.2f}  max {max(delays):.2f}",
                flush=True,
            )
            verdicts.append(f"ghost slots free {len(delays)}/{VANISHED_CALLS}, {label}: worst {max(delays):.2f} s "
                            f"after the last heartbeat")  # fmt: skip

    print("\ntargets")
    for verdict in verdicts:
        print(f"   {verdict}")


if __name__ == "__main__":
    main()
