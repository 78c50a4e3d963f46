"""Test settings: always real PostgreSQL and Redis (local defaults, overridable)."""

import os
import tempfile
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panbot")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from panbot.settings.base import *  # noqa: F403
from panbot.settings.base import DATABASE_VENDOR_IS_POSTGRES, SQLITE_OPTIONS

if not DATABASE_VENDOR_IS_POSTGRES:
    raise RuntimeError("The test suite runs on PostgreSQL only; DATABASE_URL must point at PostgreSQL.")

# Connections opened by worker threads (database_sync_to_async, race tests) close after each use,
# so none outlives its test and blocks dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
# Static files are collected at deploy time; tests render pages without them.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
# Test code runs platform-wide (tests/conftest.py); each request runs as in production: no tenant
# scope until the view sets its own (tests/tenancy.py).
MIDDLEWARE = ["tests.tenancy.ProductionTenancyMiddleware", *MIDDLEWARE]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# No worker runs under pytest: tasks execute in-process, still enqueued on commit.
CELERY_TASK_ALWAYS_EAGER = True
# Each test process gets cache keys of its own (the login throttle counts failures in the cache):
# parallel workers and runs minutes apart share one Redis database without seeing each other's counts.
CACHES["default"]["KEY_PREFIX"] = f"panbot-test-{os.getpid()}-{os.urandom(4).hex()}"  # noqa: F405

# The embedded default's database (SQLite, configured as `make run` configures it), for the tests
# that run call admission on both backends (tests/telephony/conftest.py `call_backend`): only
# tests that name it in django_db(databases=...) get it created, a file per test process.
_EMBEDDED = str(Path(tempfile.gettempdir()) / f"panbot-test-embedded-{os.getpid()}.sqlite3")
DATABASES["embedded"] = {  # noqa: F405
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": _EMBEDDED,
    "OPTIONS": SQLITE_OPTIONS,
    "TEST": {"NAME": _EMBEDDED},
}
# Flood limits off for tests about other things (races place dozens of calls from one caller in a
# second); tests/telephony/test_call_floods.py sets the production defaults (6/min, 20/s) itself.
CALLER_MAX_CALLS_PER_MINUTE = 1_000_000
TRUNK_MAX_CALLS_PER_SECOND = 1_000_000
PRINTER_ALLOW_LOOPBACK = True  # the fake printers listen on loopback
PRINTER_ALLOWED_PORTS = ((1, 65535),)  # ... on ephemeral ports
# pytest-xdist workers share one Redis (pub/sub ignores the database number) while each has a
# test database of its own, so business ids repeat across workers: without a prefix per worker a
# board in one worker receives the other worker's events. Servers the tests start in a child
# process get the worker's prefix in CHANNEL_LAYER_PREFIX (tests/panbot/feed/servers.py) or by fork.
if os.environ.get("PYTEST_XDIST_WORKER") and "CHANNEL_LAYER_PREFIX" not in os.environ:
    CHANNEL_LAYER_PREFIX = f"{CHANNEL_LAYER_PREFIX}-{os.environ['PYTEST_XDIST_WORKER']}"  # noqa: F405
    _layer = cast("dict[str, Any]", CHANNEL_LAYERS["default"])  # noqa: F405
    _layer["CONFIG"] = {**_layer.get("CONFIG", {}), "prefix": CHANNEL_LAYER_PREFIX}
