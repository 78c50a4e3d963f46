"""API benchmark: requests/s and p99 latency of API operations under three authentication schemes, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panbot python bench/api.py

It creates its own database, `<DATABASE_URL's name>_benchapi`, on the same server (the role
needs CREATEDB), migrates it, fills it, and drops it at the end, also after an error or Ctrl-C.
With REDIS_URL set, the PATCH's event is pushed to Redis on commit as in production
(channel-layer prefix `bench`); without it, to the in-memory layer.

Requests go through Django's test client: the whole WSGI stack (middleware, DRF, the views,
the serializers, PostgreSQL over TCP) in this process, one request at a time, with no network
or server in between, so the differences measured are the work each request does.

The same views are measured with three ways of knowing who the caller is and what they may do:

- **stateless JWT** (the project's): `accounts.authentication.ClaimsAuthentication` and
  `BusinessPermission` read the user and their role in the business from the access token's
  claims, with no query;
- **SimpleJWT (DB)**: SimpleJWT's default `rest_framework_simplejwt.authentication.JWTAuthentication`
  (the same token; it loads the user row) and the role read from the Membership table;
- **session**: DRF's `SessionAuthentication` (Django's database session, the user row, the CSRF
  check on writes) and the role from the Membership table.

In the two database-backed schemes the user row they load is handed to the services (`by=`),
so they do not pay for it twice. Operations: the orders list (when the orders API is routed:
`GET .../orders/`, 50 orders of 2 lines a page), the numbers list, the call history (50 calls
a page) and a number update (`PATCH .../numbers/{id}/`, a label that changes every time, so
each request writes and emits its event). Every (operation, scheme) pair runs --requests
requests after a warm-up, the three schemes interleaved request by request (who goes first
rotates), because this machine is shared and its speed drifts: a slow second hits every
scheme alike. Reported: requests/s (one request at a time, so 1 / mean latency), p50 and p99
latency, the queries one request makes, and the stateless scheme's ratio and p50 difference
against each other one.

Option: --requests (default 500). Only ratios within one run travel.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # Django's test client
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # in-process requests; TLS is a proxy's concern
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/panbot")

import warnings

import django

django.setup()

from own_database import own_database  # noqa: E402  (bench/, the script's folder)

warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collectstatic here, no files served

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework import exceptions  # noqa: E402
from rest_framework.authentication import SessionAuthentication  # noqa: E402
from rest_framework_simplejwt.authentication import JWTAuthentication  # noqa: E402

from accounts.authentication import ClaimsAuthentication  # noqa: E402
from accounts.services import tokens_issue  # noqa: E402
from accounts.tokens import role_allows  # noqa: E402
from restaurants import services as restaurant_services  # noqa: E402
from restaurants.api import tenancy  # noqa: E402
from restaurants.models import Business, Membership  # noqa: E402
from telephony import services as telephony_services  # noqa: E402
from telephony.models import CallRecord  # noqa: E402

CSRF_SECRET = "b" * 32  # a CSRF cookie's secret; the header may carry it unmasked


class MembershipTablePermission(tenancy.BusinessPermission):
    """BusinessPermission's rule (404 for non-members, 403 below the role) with the role read from the database."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        business_id = view.kwargs["business_id"]
        role = (
            Membership.objects.filter(user_id=user.pk, business_id=business_id).values_list("role", flat=True).first()
        )
        if role is None:
            raise exceptions.NotFound()
        required = tenancy._required_role(view, request)
        if required is not None and not role_allows(role, required):
            raise exceptions.PermissionDenied()
        request.business_id = business_id
        request.business_role = role
        setattr(request, tenancy._USER_CACHE, user)  # the row is loaded: acting_user() reuses it
        return True


SCHEMES: dict[str, tuple[type, type]] = {
    "stateless JWT": (ClaimsAuthentication, tenancy.BusinessPermission),
    "SimpleJWT (DB)": (JWTAuthentication, MembershipTablePermission),
    "session": (SessionAuthentication, MembershipTablePermission),
}


# --- data -----------------------------------------------------------------------------------------


def seed() -> dict[str, Any]:
    """One restaurant with an owner, 20 numbers, 500 calls and (when the orders app has them) 200 orders."""
    stakeholder = get_user_model().objects.create_user("bench-stakeholder", password="x" * 12, is_staff=True)
    owner = get_user_model().objects.create_user("bench-owner", password="x" * 12)
    business = restaurant_services.business_create(name="Bench Trattoria")
    restaurant_services.membership_set(business=business, user=owner, role=Membership.Role.OWNER)
    numbers = [
        telephony_services.number_create(number=f"+39055{700000 + i:06d}", label=f"Line {i}", business=business,
                                         by=stakeholder)
        for i in range(20)
    ]  # fmt: skip
    now = timezone.now()
    CallRecord.objects.bulk_create(
        CallRecord(
            business=business, sip_number=numbers[i % 20], dialed_number=numbers[i % 20].number,
            caller_number=f"+39333{i:07d}", sip_call_id=f"bench-{i}", started_at=now - timedelta(minutes=i + 2),
            ended_at=now - timedelta(minutes=i + 1), duration_seconds=60, status="completed", reason="caller_hangup",
        )
        for i in range(500)
    )  # fmt: skip
    seed_orders(business)
    return {"business": business, "owner": owner, "number": numbers[0]}


def seed_orders(business: Business) -> None:
    from orders.models import Order, OrderItem

    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            business=business, customer_name=f"Guest {i}", customer_phone=f"+39333{i:07d}", pickup_at=now,
            currency="EUR", subtotal=Decimal("19.00"), total=Decimal("19.00"), ticket_date=now.date(),
            ticket_number=i + 1,
        )
        for i in range(200)
    )  # fmt: skip
    OrderItem.objects.bulk_create(
        OrderItem(order=order, name=name, quantity=1, unit_price=price, line_total=price, position=position)
        for order in orders
        for position, (name, price) in enumerate((("Margherita", Decimal("8.00")), ("Diavola", Decimal("11.00"))))
    )


# --- requests -------------------------------------------------------------------------------------


class Operation:
    def __init__(self, name: str, method: str, path: str, body: Callable[[int], dict] | None = None) -> None:
        self.name, self.method, self.path, self.body = name, method, path, body
        view = getattr(resolve(path).func, "cls", None)
        if view is None:  # the JSON 404 catch-all: not routed here
            raise LookupError(path)
        self.view = view

    def send(self, client: Client, i: int, headers: dict[str, str]) -> int:
        if self.method == "get":
            return client.get(self.path, headers=headers).status_code
        return client.patch(self.path, self.body(i), content_type="application/json", headers=headers).status_code


def operations(data: dict[str, Any]) -> list[Operation]:
    base = f"/api/v1/businesses/{data['business'].pk}/"
    labels = itertools.cycle(["Bench A", "Bench B"])
    found = []
    try:
        found.append(Operation("orders list", "get", base + "orders/"))
    except LookupError:
        print("   (no orders API routed here: the orders list is skipped)")
    found += [
        Operation("numbers list", "get", base + "numbers/"),
        Operation("calls list", "get", base + "calls/"),
        Operation("number PATCH", "patch", f"{base}numbers/{data['number'].pk}/", lambda i: {"label": next(labels)}),
    ]
    return found


def client_for(scheme: str, owner: Any) -> tuple[Client, dict[str, str]]:
    """A client signed in under `scheme`, and the headers each request carries."""
    if scheme == "session":
        client = Client(enforce_csrf_checks=True)
        client.force_login(owner)  # a session row, as a browser's login leaves it
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        return client, {"X-CSRFToken": CSRF_SECRET}
    return Client(), {"Authorization": f"Bearer {tokens_issue(user_id=owner.pk).access}"}


def use(scheme: str, views: set[type]) -> None:
    authentication, permission = SCHEMES[scheme]
    for view in views:
        view.authentication_classes = [authentication]
        view.permission_classes = [permission]


def measure(operation: Operation, owner: Any, count: int, views: set[type]) -> dict[str, dict[str, Any]]:
    """`count` requests per scheme, interleaved request by request, so load drift hits every scheme alike."""
    schemes = list(SCHEMES)
    clients = {scheme: client_for(scheme, owner) for scheme in schemes}
    results: dict[str, dict[str, Any]] = {}
    for scheme in schemes:
        use(scheme, views)
        client, headers = clients[scheme]
        for i in range(20):  # warm-up: connections, caches, code paths
            status = operation.send(client, i, headers)
            assert status == 200, (operation.name, scheme, status)
        reset_queries()  # each request clears the log when it starts: count from an empty one
        with CaptureQueriesContext(connection) as queries:
            operation.send(client, 0, headers)
        results[scheme] = {"queries": len(queries), "latencies": []}  # len() now: the log is read lazily
    for i in range(count):
        for scheme in schemes[i % len(schemes) :] + schemes[: i % len(schemes)]:  # rotate who goes first
            use(scheme, views)
            client, headers = clients[scheme]
            t0 = time.perf_counter()
            status = operation.send(client, i, headers)
            results[scheme]["latencies"].append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{operation.name} under {scheme} answered {status}")
    return results


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(options: argparse.Namespace) -> None:
    pushes = "Redis" if settings.REDIS_URL else "in-memory channel layer"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"PostgreSQL {connection.pg_version // 10000}, Python {sys.version.split()[0]}, Django {django.__version__}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}; event pushes: {pushes}; "
        f"{options.requests} requests per operation and scheme, interleaved",
        flush=True,
    )
    data = seed()
    ops = operations(data)
    views = {op.view for op in ops}
    saved = {view: (view.authentication_classes, view.permission_classes) for view in views}
    try:
        results = {op.name: measure(op, data["owner"], options.requests, views) for op in ops}
    finally:
        for view, (authentication, permission) in saved.items():
            view.authentication_classes, view.permission_classes = authentication, permission

    print("\n   operation       auth scheme       req/s   p50 ms   p99 ms  queries/request")
    for op in ops:
        rps, p50 = {}, {}
        for scheme, result in results[op.name].items():
            latencies = result["latencies"]
            rps[scheme] = len(latencies) / sum(latencies)  # one request at a time: 1 / mean latency
            p50[scheme] = percentile(latencies, 50) * 1000
            print(
                f"   {op.name:<15} {scheme:<15} {rps[scheme]:>7.0f} {p50[scheme]:>8.2f} "
                f"{percentile(latencies, 99) * 1000:>8.2f} {result['queries']:>8}",
                flush=True,
            )
        base = "stateless JWT"
        print(
            f"   {'':<15} stateless JWT vs SimpleJWT (DB): x{rps[base] / rps['SimpleJWT (DB)']:.2f} req/s, "
            f"p50 {p50[base] - p50['SimpleJWT (DB)']:+.2f} ms; vs session: x{rps[base] / rps['session']:.2f} req/s, "
            f"p50 {p50[base] - p50['session']:+.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=500, help="timed requests per operation and scheme")
    options = parser.parse_args()

    with own_database("_benchapi"):
        run(options)


if __name__ == "__main__":
    main()
