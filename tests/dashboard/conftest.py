"""Browser tests: Debian's Chromium driven by Playwright against a live ASGI server (daphne) on an
ephemeral port, with the real PostgreSQL test database and Redis. Screenshots land in test-artifacts/.

The server runs in a forked process; test data must be committed to be seen there, so browser tests use
`transactional_db` (the `live` fixture asks for it)."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test.utils import override_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def compile_messages() -> None:
    """The Italian UI needs the compiled catalogue; compile it when the .po is newer (make does it too)."""
    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=[po.parent.parent.name], verbosity=0)


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    compile_messages()
    # Local HTTP: the refresh cookie cannot be Secure here (tests/dashboard/test_session.py checks it is by default).
    # Forked: it inherits the settings as they are now, pytest-django's database blocker lifted, and no open
    # connection of ours (a shared socket between two processes corrupts both).
    connections.close_all()
    with (
        override_settings(DASHBOARD_REFRESH_COOKIE_SECURE=False, ALLOWED_HOSTS=["127.0.0.1"]),
        django_db_blocker.unblock(),
    ):
        server = DaphneProcess(
            "127.0.0.1",
            partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        )
        server.daemon = True
        server.start()
    if not server.ready.wait(timeout=30):
        server.terminate()
        pytest.fail("the live ASGI server did not start")
    try:
        yield f"http://127.0.0.1:{server.port.value}"
    finally:
        server.terminate()
        server.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Chromium for one test module; the rest of the suite runs without Playwright in its thread."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop registered on this thread while it runs, which Django
    # takes for async code calling the ORM. Nothing runs on it while a test touches the database
    # (Django's documentation names this exact case for DJANGO_ALLOW_ASYNC_UNSAFE). Set only while
    # Playwright runs, so the check still guards every other test.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Live:
    url: str
    browser: object

    def page(self, *, locale: str = "en-GB", width: int = 1280, height: int = 860):
        context = self.browser.new_context(
            base_url=self.url, locale=locale, viewport={"width": width, "height": height}, timezone_id="Europe/Rome"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        return page

    def sign_in(self, username: str, password: str, *, lands: str = r"/app/b/\d+/\w+/$", **kwargs):
        """A signed-in page, once it has landed (the home page forwards a member of one business)."""
        page = self.page(**kwargs)
        page.goto("/app/signin/")
        page.get_by_label("Username or e-mail address").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(lands))
        return page

    def sign_in_italian(self, username: str, password: str, *, lands: str = r"/app/b/\d+/\w+/$", **kwargs):
        """`sign_in` with the Italian UI chosen (the language cookie) and an Italian browser."""
        page = self.page(locale="it-IT", **kwargs)
        page.context.add_cookies([{"name": "django_language", "value": "it", "url": self.url}])
        page.goto("/app/signin/")
        page.get_by_label("Nome utente o indirizzo e-mail").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Accedi").click()
        page.wait_for_url(re.compile(lands))
        return page


def screenshot(page, name: str) -> None:
    """Keep what the page looks like: test-artifacts/screenshots/<name>.png (CI keeps the folder)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _wait_until_the_server_is_quiet(timeout: float = 10.0) -> None:
    """Wait for the live server's queries in flight (a closing page's last request, a feed socket's
    disconnect) to finish: flushing the tables under them can deadlock with their locks."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    quiet_since = None
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            busy = cursor.fetchone()[0] > 0
            now = time.monotonic()
            quiet_since = None if busy else (quiet_since or now)
            if quiet_since is not None and now - quiet_since >= 0.3:  # quiet, and not only for an instant
                return
            time.sleep(0.05)


@pytest.fixture
def live(live_server_url, chromium, transactional_db) -> Iterator[Live]:
    yield Live(url=live_server_url, browser=chromium)
    for context in list(chromium.contexts):
        context.close()
    _wait_until_the_server_is_quiet()  # before transactional_db flushes the tables


@pytest.fixture
def demo(transactional_db):
    """The demo restaurants, numbers and logins (seed_demo's data), committed for the live server."""
    from orders.demo import seed_menus
    from reservations.demo import seed_reservation_settings
    from restaurants.demo import seed_businesses, seed_faq
    from telephony.demo import seed_numbers

    businesses, logins, stakeholder = seed_businesses()
    numbers = seed_numbers(businesses=businesses, by=stakeholder)
    seed_menus(businesses=businesses)
    seed_faq(businesses=businesses)
    seed_reservation_settings(businesses=businesses)
    return type("Demo", (), {"businesses": businesses, "numbers": numbers, "logins": logins})
