"""The benchmarks' own database: `<DATABASE_URL's name><suffix>` on the same server, created and
migrated on entry, dropped on the way out (after an error or Ctrl-C too) unless `keep`.

A benchmark's own code (set-up, checks) runs platform-wide, like the tests' (panbot.tenancy); what
it measures sets its own scope as in production (views, services of the call path), and threads or
processes it starts begin with no scope at all."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, connections

from panbot.tenancy import platform_wide


@contextlib.contextmanager
def own_database(suffix: str, *, keep: bool = False) -> Iterator[str]:
    """Run the block on a fresh, migrated `<name><suffix>` database (the role needs CREATEDB)."""
    creation = connection.creation
    bench_name = f"{settings.DATABASES['default']['NAME']}{suffix}"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = bench_name
    connection.settings_dict.setdefault("TEST", {})["NAME"] = bench_name
    original_name = connection.settings_dict["NAME"]
    print(f"creating and migrating database {bench_name} ...", flush=True)
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with platform_wide():
            yield bench_name
    finally:
        connections.close_all()
        if keep:
            print(f"kept {bench_name}: drop it with dropdb {bench_name}")
        else:
            creation.destroy_test_db(original_name, verbosity=0)
            print(f"dropped {bench_name}")
