"""Failed logins are limited per login name and per client address, in the cache (Redis when configured).

LOGIN_FAILURE_LIMIT failures of either within LOGIN_FAILURE_WINDOW_SECONDS (a window that starts
at the first attempt) and further attempts are refused with TooManyAttempts, whatever the password,
until the window ends. Only failures count: a successful login gives its attempt back.

Each attempt takes its place in the counters *before* the password is checked (an atomic
increment), so a burst of parallel guesses gets exactly LIMIT checks, not one per request.
The login name counts as typed, case-insensitively: a username and that user's e-mail address
are two counters. On the embedded default the cache is per process.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from panbot.errors import AuthenticationRefused, TooManyAttempts


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _reserve(key: str) -> int:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for _ in range(2):
        cache.add(f"{key}:since", time.time(), timeout=window)
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start the next window
            continue
    return cache.incr(key)


def _release(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


def _retry_after(key: str) -> int:
    since = cache.get(f"{key}:since") or time.time()
    return max(1, math.ceil(since + settings.LOGIN_FAILURE_WINDOW_SECONDS - time.time()))


@contextmanager
def login_attempt(*, login: str, client_ip: str) -> Iterator[None]:
    """Count one login attempt; it stays counted only if the body raises AuthenticationRefused.

    Raises TooManyAttempts, before the body runs, when the login or the address is over the limit.
    """
    keys = [_key("login", login.strip().casefold()), _key("ip", client_ip)]
    counts = [_reserve(key) for key in keys]
    over = [key for key, count in zip(keys, counts, strict=True) if count > settings.LOGIN_FAILURE_LIMIT]
    if over:
        for key in keys:
            _release(key)
        wait = max(_retry_after(key) for key in over)
        raise TooManyAttempts(f"Too many failed logins; try again in {wait} seconds.", retry_after=wait)
    try:
        yield
    except AuthenticationRefused:
        raise  # a failure: it keeps its place in both counters
    except BaseException:
        for key in keys:
            _release(key)
        raise
    for key in keys:
        _release(key)
