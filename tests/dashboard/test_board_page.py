"""The order board in a real browser: orders arrive live from a simulated phone call with their alert,
staff accept, reject and move them, and the board catches up by itself after the network breaks."""

from __future__ import annotations

import re
import threading
from datetime import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from orders.models import Order
from restaurants import services as restaurant_services
from tests.dashboard.conftest import screenshot
from tests.dashboard.proxy import CuttableProxy

STAFF = ("staff-trattoria", "panbot-dev-staff-trattoria")
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "simulate" / "order_pizza.json"


@pytest.fixture
def open_all_day(demo):
    """Da Mario takes orders whenever the test runs (its real hours close on Mondays and afternoons)."""
    business = demo.businesses["trattoria-da-mario"]
    restaurant_services.opening_hours_replace(
        business=business,
        periods=[(day, *period) for day in range(7) for period in ((time(0), time(12)), (time(12), time(0)))],
    )
    return business


def phone_order(caller: str = "+393331234567") -> str:
    """Place an order the way a caller does: simulate_call replays the shipped pizza conversation.

    In a thread of its own: the command runs an event loop, and this thread has Playwright's."""
    out = StringIO()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call_command("simulate_call", to="055 1234567", caller=caller, script=SCRIPT, stdout=out)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection, or the test database cannot be dropped

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    if errors:
        raise errors[0]
    assert "order #" in out.getvalue(), out.getvalue()
    return out.getvalue()


def open_board(live, *, url: str | None = None, **kwargs):
    page = live.sign_in(*STAFF, **kwargs) if url is None else None
    if page is None:
        page = live.page(**kwargs)
        page.goto(url + "/app/signin/")
        page.get_by_label("Username or e-mail address").fill(STAFF[0])
        page.get_by_label("Password").fill(STAFF[1])
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Order board")).to_be_visible()
    expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "live")
    return page


def test_staff_land_on_the_board_and_a_phone_order_appears_within_two_seconds_with_its_alert(live, open_all_day):
    page = open_board(live, width=1180, height=820)  # a kitchen tablet in landscape
    expect(page.locator("[data-column=new] [data-empty]")).to_be_visible()
    page.get_by_role("button", name=re.compile("Sound is off")).click()
    expect(page.get_by_text("Sound on")).to_be_visible()

    phone_order()
    card = page.locator("[data-column=new] article.order")
    expect(card).to_have_count(1, timeout=2_000)
    expect(card).to_have_class(re.compile("order-new"))
    expect(card).to_contain_text("Rossi")
    expect(card).to_contain_text("Margherita")
    expect(card).to_contain_text("Maxi")  # the options under their line
    expect(page.get_by_role("alert").filter(has_text="New orders waiting: 1")).to_be_visible()
    assert int(page.locator("[data-widget=board]").get_attribute("data-alerts")) >= 1
    screenshot(page, "board-new-order")

    card.get_by_role("button", name="20 min").click()
    accepted = page.locator("[data-column=accepted] article.order")
    expect(accepted).to_have_count(1)
    expect(page.locator("[data-column=new] article.order")).to_have_count(0)
    expect(page.get_by_role("alert").filter(has_text="New orders waiting")).to_be_hidden()
    order = Order.objects.get()
    assert order.status == "accepted"
    assert order.status_changes.filter(to_status="accepted").exists()

    accepted.get_by_role("button", name="Start preparing").click()
    expect(page.locator("[data-column=preparing] article.order")).to_have_count(1)
    page.locator("[data-column=preparing] article.order").get_by_role("button", name="Ready for pickup").click()
    expect(page.locator("[data-column=ready] article.order")).to_have_count(1)
    screenshot(page, "board-ready")
    page.locator("[data-column=ready] article.order").get_by_role("button", name="Picked up").click()
    expect(page.locator("article.order")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == "completed"
    assert page.errors == []


def test_rejecting_asks_for_a_reason_and_keeps_it(live, open_all_day):
    page = open_board(live)
    phone_order()
    card = page.locator("[data-column=new] article.order")
    card.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("An item is not available").check()
    screenshot(page, "board-reject")
    dialog.get_by_role("button", name="Reject order").click()
    expect(page.locator("article.order")).to_have_count(0)
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert order.status_changes.get(to_status="cancelled").reason == "An item is not available"


def test_an_order_waiting_too_long_turns_red_and_the_alert_repeats(live, open_all_day):
    page = live.page()
    page.clock.install()  # the page's clock, fast-forwarded below; it starts at the real time
    page.goto("/app/signin/")
    page.get_by_label("Username or e-mail address").fill(STAFF[0])
    page.get_by_label("Password").fill(STAFF[1])
    page.get_by_role("button", name="Sign in").click()
    board = page.locator("[data-widget=board]")
    expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "live")
    phone_order()
    card = page.locator("[data-column=new] article.order")
    expect(card).to_have_count(1, timeout=2_000)
    expect(card).not_to_have_class(re.compile("order-late"))
    alerts = int(board.get_attribute("data-alerts"))
    assert alerts >= 1

    ack_seconds = int(board.get_attribute("data-ack-seconds"))
    assert ack_seconds == settings.ORDER_ACK_ALERT_SECONDS == 90
    page.clock.fast_forward((ack_seconds - 10) * 1000)
    page.wait_for_timeout(300)
    expect(card).not_to_have_class(re.compile("order-late"))  # not yet
    page.clock.fast_forward(12_000)
    expect(card).to_have_class(re.compile("order-late"))
    expect(card).to_contain_text("accept or reject it")
    expect(page.get_by_role("alert").filter(has_text="New orders waiting: 1")).to_have_class(re.compile("alert-late"))
    repeated = int(board.get_attribute("data-alerts"))
    assert repeated > alerts
    page.clock.fast_forward(11_000)
    expect(board).not_to_have_attribute("data-alerts", str(repeated))  # and again, while nobody answers
    screenshot(page, "board-late")


def test_the_board_says_it_is_offline_and_catches_up_when_the_network_returns(live, live_server_url, open_all_day):
    proxy = CuttableProxy(int(live_server_url.rsplit(":", 1)[1]))
    try:
        page = open_board(live, url=proxy.url)
        phone_order("+393331111111")
        expect(page.locator("[data-column=new] article.order")).to_have_count(1, timeout=2_000)

        proxy.disconnect()
        expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "offline")
        expect(page.get_by_role("status").filter(has_text="Offline — reconnecting…").first).to_be_visible()
        expect(page.get_by_role("button", name="20 min")).to_be_disabled()  # nothing can be sent meanwhile
        screenshot(page, "board-offline")
        phone_order("+393332222222")  # placed while the board cannot hear anything

        proxy.reconnect()
        expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "live", timeout=15_000)
        expect(page.locator("[data-column=new] article.order")).to_have_count(2, timeout=2_000)
        expect(page.get_by_role("button", name="20 min").first).to_be_enabled()
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    finally:
        proxy.close()


def test_an_outsider_cannot_open_another_business_board(live, demo):
    page = live.sign_in("staff-sushi", "panbot-dev-staff-sushi")
    business = demo.businesses["trattoria-da-mario"]
    page.goto(f"/app/b/{business.pk}/board/")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.locator("article.order")).to_have_count(0)


def test_another_screen_turns_red_when_the_server_announces_an_unacknowledged_order(live, open_all_day):
    from datetime import timedelta

    from django.utils import timezone

    from orders.services.alerts import orders_flag_unacknowledged

    page = open_board(live)
    phone_order()
    card = page.locator("[data-column=new] article.order")
    expect(card).to_have_count(1, timeout=2_000)
    expect(card).not_to_have_class(re.compile("order-late"))
    flagged = orders_flag_unacknowledged(now=timezone.now() + timedelta(seconds=settings.ORDER_ACK_ALERT_SECONDS + 1))
    assert flagged == [Order.objects.get().pk]
    expect(card).to_have_class(re.compile("order-late"), timeout=2_000)  # the page's own clock says 90 s are far off


def test_the_board_works_from_the_keyboard(live, open_all_day):
    page = open_board(live)
    phone_order()
    card = page.locator("[data-column=new] article.order")
    expect(card).to_have_count(1, timeout=2_000)
    card.get_by_role("button", name="10 min").focus()
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="15 min")).to_be_focused()
    page.wait_for_timeout(1500)  # the once-a-second escalation check must not steal the focus
    expect(card.get_by_role("button", name="15 min")).to_be_focused()
    page.keyboard.press("Enter")
    accepted = page.locator("[data-column=accepted] article.order")
    expect(accepted).to_have_count(1)
    accepted.get_by_role("button", name="Start preparing").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-column=preparing] article.order")).to_have_count(1)
    assert Order.objects.get().status == "preparing"
