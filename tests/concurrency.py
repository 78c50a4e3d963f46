"""Run a function in several threads at once, each with its own database connection."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_concurrently(count: int, work: Callable[[int], Any], *, timeout: float = 30) -> list[tuple[str, Any]]:
    """Call `work(i)` for i in range(count) in `count` threads released together by a barrier.

    Each thread connects before the barrier (so connecting does not stagger the start) and
    closes its connection at the end. Returns ("ok", result) or ("error", exception) per thread.
    `work` runs in a copy of the caller's context, as if the test called it (its tenancy scope:
    tests/tenancy.py).
    """
    barrier = threading.Barrier(count, timeout=timeout)
    results: list[tuple[str, Any]] = [("error", RuntimeError("thread did not finish"))] * count

    def run(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            results[index] = ("ok", work(index))
        except Exception as exc:  # reported to the test, which asserts on it
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, i)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return results
