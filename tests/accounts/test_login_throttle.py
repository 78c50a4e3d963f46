"""Failed logins: 5 per username and 5 per client address in 15 minutes, then 429 with Retry-After (Redis)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import services
from panbot.errors import AuthenticationRefused, TooManyAttempts
from tests.api.world import PASSWORD, api_client
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def attempt(client, username, password="wrong"):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_the_throttle_counts_in_redis():
    assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_five_failures_for_a_username_lock_it_from_every_address(make_user):
    user = make_user()
    for _ in range(5):
        assert attempt(api_client(), user.username).status_code == 401
    response = attempt(api_client(), user.username, PASSWORD)  # right password, fresh address
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    wait = int(response["Retry-After"])
    assert 890 <= wait <= 900
    assert response.json()["detail"] == f"Too many failed logins; try again in {wait} seconds."
    assert attempt(api_client(), user.username.upper()).status_code == 429  # case-insensitive


def test_five_failures_from_an_address_lock_it_for_every_username(make_user):
    client = api_client()
    for n in range(5):
        assert attempt(client, f"nobody-{n}").status_code == 401
    user = make_user()
    assert attempt(client, user.username, PASSWORD).status_code == 429
    assert attempt(api_client(), user.username, PASSWORD).status_code == 200  # another address is fine


def test_successes_do_not_count(make_user):
    user = make_user()
    client = api_client()
    for _ in range(4):
        assert attempt(client, user.username).status_code == 401
    for _ in range(10):
        assert attempt(client, user.username, PASSWORD).status_code == 200
    assert attempt(client, user.username).status_code == 401  # the fifth failure
    assert attempt(client, user.username, PASSWORD).status_code == 429


def test_retry_after_counts_down_from_the_first_failure(make_user):
    user = make_user()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            attempt(api_client(), user.username)
        clock.shift(timedelta(minutes=10))
        response = attempt(api_client(), user.username)
    assert response.status_code == 429
    assert 295 <= int(response["Retry-After"]) <= 300


def test_the_lock_ends_with_the_window(make_user, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1  # Redis expires the counters itself
    user = make_user()
    client = api_client()
    for _ in range(5):
        attempt(client, user.username)
    assert attempt(client, user.username, PASSWORD).status_code == 429
    deadline = time.monotonic() + 5
    while attempt(client, user.username, PASSWORD).status_code == 429:
        assert time.monotonic() < deadline, "the lock outlived its window"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_exactly_five_checks(make_user):
    user = make_user()

    def guess(i: int):
        return services.tokens_obtain(login=user.username, password=f"guess-{i}", client_ip=f"192.0.2.{i}")

    results = run_concurrently(12, guess)
    errors = [value for outcome, value in results if outcome == "error"]
    assert len(errors) == 12
    assert sum(isinstance(e, AuthenticationRefused) for e in errors) == 5
    assert sum(isinstance(e, TooManyAttempts) for e in errors) == 7
