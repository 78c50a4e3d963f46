"""Live feed benchmark: commit-to-client latency, throughput and loss over real sockets, for both channel layers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panbot REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/feed.py [--sizes 100,500,2000] [--seconds 20] [--rate 10]

It creates its own database, `<DATABASE_URL's name>_feedbench` (the role needs CREATEDB), migrates
it and drops it at the end. For each channel layer (RedisPubSubChannelLayer, RedisChannelLayer) and
each socket count N it starts `daphne panbot.asgi:application` on an ephemeral loopback port, opens
N websocket clients (the `websockets` library, subprotocols `panbot.v1` + `bearer.<token>`), N/4
per business over N/4 businesses (2,000 sockets over 500 businesses), waits for every snapshot,
then a writer process places orders through `orders.services.order_place` at --rate per second for
--seconds, spread over the businesses. Each client records when each `order.created` frame arrives;
the writer records when each order's transaction committed (same machine, same wall clock).

Reported per run: commit-to-client latency p50/p99/max, deliveries per second, lost deliveries
(an order of the socket's business that never reached it) and duplicates (must both be 0), and
sockets the server closed (a client closed as too slow resumes from its cursor, as the dashboard does).
Only ratios between the two layers in one run travel: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import resource
import socket
import subprocess
import sys
import time
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/panbot")
if not os.environ.get("REDIS_URL"):
    sys.exit("Set REDIS_URL, e.g. redis://127.0.0.1:6379/0: the feed is shared through Redis")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from own_database import own_database  # noqa: E402  (bench/, the script's folder)

from accounts.selectors import user_access  # noqa: E402
from accounts.tokens import mint_access_token  # noqa: E402
from orders.models import MenuCategory, MenuItem, OrderSettings  # noqa: E402
from panbot.tenancy import business_scope  # noqa: E402
from restaurants.models import Business, Membership  # noqa: E402
from restaurants.services import opening_hours_replace  # noqa: E402

LAYERS = {"pubsub": "RedisPubSubChannelLayer", "lists": "RedisChannelLayer"}
PER_BUSINESS = 4


# --- fixtures -------------------------------------------------------------------------------------


def make_businesses(count: int) -> list[tuple[int, int, int]]:
    """`count` businesses open all day, each with one menu item and one staff member: (business, item, user)."""
    made = []
    all_day = [(day, clock(0, 0), clock(23, 59)) for day in range(7)]
    for n in range(count):
        with transaction.atomic():
            business = Business.objects.create(name=f"Bench {n}", slug=f"bench-{n}", max_concurrent_calls=3)
            opening_hours_replace(business=business, periods=all_day)
            OrderSettings.objects.create(business=business, lead_time_minutes=20, max_days_ahead=1)
            category = MenuCategory.objects.create(business=business, name="Bevande")
            item = MenuItem.objects.create(business=business, category=category, name="Acqua", price="1.50")
            user = get_user_model().objects.create_user(username=f"bench-staff-{n}", password=None)
            Membership.objects.create(user=user, business=business, role=Membership.Role.STAFF)
        made.append((business.pk, item.pk, user.pk))
    return made


# --- the server -----------------------------------------------------------------------------------


@contextlib.contextmanager
def daphne(layer: str, prefix: str):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    env = dict(os.environ, CHANNEL_LAYER=layer, CHANNEL_LAYER_PREFIX=prefix, ALLOWED_HOSTS="127.0.0.1", DEBUG="false")
    env["DATABASE_URL"] = database_url()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        # 2,000 clients connect at once: give the application 60 s (not daphne's 5) to accept each.
        [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "-v", "0", "--websocket_connect_timeout", "60",
         "panbot.asgi:application"],
        cwd=ROOT, env=env, pass_fds=[listener.fileno()],
    )  # fmt: skip
    listener.close()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                if probe.recv(12):
                    break
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# --- the writer -----------------------------------------------------------------------------------


def writer(targets: list[tuple[int, int]], rate: float, seconds: float, out: multiprocessing.Queue) -> None:
    """Place orders through the service at `rate`/s; report (order id, business id, commit time) for each."""
    from orders.services import order_place
    from panbot.events import emit, flush_pushes

    # Warm up (Redis connection, the push thread, prepared statements); clients ignore this type.
    for business_id, _ in targets[:5]:
        emit(business_id, "bench.warmup", {})
    flush_pushes(5)
    placed, interval, started = [], 1.0 / rate, time.monotonic()
    rng = random.Random(7)
    n = 0
    while time.monotonic() - started < seconds:
        business_id, item_id = rng.choice(targets)
        business = Business.objects.get(pk=business_id)
        with business_scope(business_id), transaction.atomic():  # as a view places a counter order
            order = order_place(
                business=business, items=[{"item_id": item_id, "quantity": 1}], customer_name=f"Bench {n}",
                customer_phone=f"+39333{n:07d}",
            )  # fmt: skip
        placed.append((order.pk, business_id, time.time()))  # committed (on_commit queued the push)
        n += 1
        pause = started + n * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    flush_pushes(5)
    out.put(placed)


# --- the clients ----------------------------------------------------------------------------------


class Client:
    """One staff socket: records (order id, arrival time) of each order.created; resumes when closed."""

    def __init__(self, port: int, business_id: int, token: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/v1/businesses/{business_id}/feed/"
        self.business_id, self.token = business_id, token
        self.received: list[tuple[int, float]] = []
        self.cursor: str | None = None
        self.closes: list[int | None] = []
        self.resets = 0
        self.failed_connects = 0
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event, gate: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        while not stop.is_set():
            url = self.url + (f"?cursor={self.cursor}" if self.cursor else "")
            try:
                async with gate:
                    ws = await connect(
                        url, subprotocols=["panbot.v1", f"bearer.{self.token}"], origin="http://127.0.0.1",
                        open_timeout=120, ping_interval=None, max_queue=None,
                    )  # fmt: skip
                async with ws:
                    stopper = asyncio.ensure_future(stop.wait())
                    while True:
                        receiver = asyncio.ensure_future(ws.recv())
                        done, _ = await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
                        if stopper in done:
                            receiver.cancel()
                            return
                        arrived = time.time()
                        frame = json.loads(receiver.result())
                        self.cursor = frame["cursor"]
                        if frame["type"] == "snapshot":
                            self.resets += bool(frame.get("reset"))
                            self.ready.set()
                        elif frame["event"]["type"] == "order.created":
                            self.received.append((frame["event"]["payload"]["order_id"], arrived))
            except ConnectionClosed as exc:
                self.closes.append(exc.rcvd.code if exc.rcvd else None)
                await asyncio.sleep(0.2)
            except (OSError, TimeoutError, InvalidHandshake):
                # Refused or cut during the handshake (a connection storm on a loaded machine): retry.
                self.failed_connects += 1
                await asyncio.sleep(1 + random.random())


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(pct / 100 * (len(values) - 1)))]


def tokens_for(fixtures: list[tuple[int, int, int]]) -> dict[int, str]:
    """A fresh access token (15 minutes) for each business's staff member, minted before each run."""
    return {business_id: mint_access_token(user_access(user_id)) for business_id, _, user_id in fixtures}


async def one_run(
    layer: str, sockets: int, fixtures: list[tuple[int, int, int]], tokens: dict[int, str], options: argparse.Namespace
) -> dict:
    count = max(1, sockets // PER_BUSINESS)
    chosen = fixtures[:count]
    prefix = f"feedbench-{layer}-{sockets}-{os.getpid()}"
    with daphne(layer, prefix) as port:
        clients = [Client(port, chosen[i % count][0], tokens[chosen[i % count][0]]) for i in range(sockets)]
        stop, gate = asyncio.Event(), asyncio.Semaphore(32)
        tasks = [asyncio.ensure_future(client.run(stop, gate)) for client in clients]
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 600)
        connect_seconds = time.monotonic() - started

        # A fresh interpreter (spawn): nothing of this process's event loop or connections in it.
        context = multiprocessing.get_context("spawn")
        # The spawned writer's settings: the bench database, and the server's channel layer and prefix.
        os.environ.update(DATABASE_URL=database_url(), CHANNEL_LAYER=layer, CHANNEL_LAYER_PREFIX=prefix)
        out: multiprocessing.Queue = context.Queue()
        process = context.Process(
            target=writer, args=([(b, i) for b, i, _ in chosen], options.rate, options.seconds, out)
        )
        process.start()
        placed = await asyncio.get_running_loop().run_in_executor(None, out.get, True, options.seconds + 120)
        process.join()
        by_business: dict[int, list[int]] = {}
        for order_id, business_id, _ in placed:
            by_business.setdefault(business_id, []).append(order_id)
        committed = {order_id: t for order_id, _, t in placed}
        expected = sum(len(by_business.get(c.business_id, [])) for c in clients)
        deadline = time.monotonic() + options.drain
        while time.monotonic() < deadline and sum(len(c.received) for c in clients) < expected:
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    latencies, lost, duplicated, closes, resets = [], 0, 0, 0, 0
    close_codes: dict[str, int] = {}
    failed_connects = 0
    last_arrival = 0.0
    for client in clients:
        got = [order_id for order_id, _ in client.received]
        duplicated += len(got) - len(set(got))
        lost += len(set(by_business.get(client.business_id, [])) - set(got))
        latencies += [(arrived - committed[o]) * 1000 for o, arrived in client.received if o in committed]
        last_arrival = max([last_arrival, *(arrived for _, arrived in client.received)])
        closes += len(client.closes)
        for code in client.closes:
            close_codes[str(code)] = close_codes.get(str(code), 0) + 1
        resets += client.resets
        failed_connects += client.failed_connects
    first_commit = min(t for _, _, t in placed) if placed else 0.0
    span = max(1e-9, last_arrival - first_commit)
    return {
        "layer": LAYERS[layer], "sockets": sockets, "businesses": count, "orders": len(placed),
        "orders_per_s": len(placed) / options.seconds, "deliveries": len(latencies),
        "deliveries_per_s": len(latencies) / span, "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99), "max_ms": max(latencies, default=float("nan")),
        "lost": lost, "duplicated": duplicated, "server_closes": closes, "resets": resets,
        "connect_s": connect_seconds, "close_codes": close_codes, "failed_connects": failed_connects,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100,500,2000", help="socket counts (default: 100,500,2000)")
    parser.add_argument("--layers", default="pubsub,lists", help="channel layers (default: pubsub,lists)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of writing per run (default: 20)")
    parser.add_argument("--rate", type=float, default=10.0, help="orders per second the writer places (default: 10)")
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for the last deliveries")
    options = parser.parse_args()
    sizes = [int(x) for x in options.sizes.split(",")]
    layers = [x.strip() for x in options.layers.split(",")]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * max(sizes) + 1024  # client and server ends live on this machine
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    print(f"open files: {resource.getrlimit(resource.RLIMIT_NOFILE)[0]} (needs {needed})", flush=True)

    with own_database("_feedbench"):
        fixtures = make_businesses(max(1, max(sizes) // PER_BUSINESS))
        print(
            f"PostgreSQL {connection.pg_version // 10000}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
            f"daphne, {options.rate:g} orders/s for {options.seconds:g} s per run, "
            f"{PER_BUSINESS} sockets per business\n",
            flush=True,
        )
        results = []
        for sockets in sizes:
            for layer in layers:  # interleaved, so drift on this shared machine hits both alike
                print(f"{LAYERS[layer]}, {sockets} sockets ...", flush=True)
                tokens = tokens_for(fixtures[: max(1, sockets // PER_BUSINESS)])
                connections.close_all()  # before the event loop runs
                result = asyncio.run(one_run(layer, sockets, fixtures, tokens, options))
                print("  " + json.dumps(result), flush=True)
                results.append(result)
        header = (
            "| layer | sockets | businesses | orders/s | deliveries/s | p50 ms | p99 ms | max ms | lost | duplicated "
            "| server closes |"
        )
        print("\n" + header + "\n|" + "---|" * 11)
        for r in results:
            print(
                f"| {r['layer']} | {r['sockets']} | {r['businesses']} | {r['orders_per_s']:.1f} | "
                f"{r['deliveries_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | "
                f"{r['lost']} | {r['duplicated']} | {r['server_closes']} |"
            )


if __name__ == "__main__":
    main()
