"""Today in a real browser: live calls come and go as they happen, a number at its limit shows a banner,
open orders are counted live."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from telephony import services as telephony_services
from telephony.models import SipNumber
from tests.dashboard.conftest import screenshot
from tests.dashboard.test_board_page import open_all_day, phone_order  # noqa: F401 (a fixture)

OWNER = ("owner-trattoria", "panbot-dev-owner-trattoria")


def test_owners_land_on_today_and_see_calls_come_and_go_live(live, demo, make_live_call):
    business = demo.businesses["trattoria-da-mario"]
    orders = SipNumber.objects.get(number="+390551234567")
    make_live_call(orders)
    make_live_call(orders, caller="+393339998888")
    page = live.sign_in(*OWNER)
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/today/$"))
    expect(page.locator("[data-calls] li")).to_have_count(2)
    expect(page.locator("[data-limit-banner]")).to_contain_text("Orders is at its limit (2 at once)")

    admission = telephony_services.call_admit(
        called="+390551234568", caller="+393471234567", sip_call_id="today-live-1", room_name="call-today-1"
    )
    assert admission.admitted
    row = page.locator(f"[data-call='{admission.call_record_id}']")
    expect(row).to_contain_text("Reservations", timeout=2_000)
    expect(row).to_contain_text("+393471234567")
    expect(page.locator("[data-calls-count]")).to_have_text("3")
    screenshot(page, "today")

    telephony_services.call_end(
        active_call_id=admission.active_call_id, call_record_id=admission.call_record_id, reason="caller_hangup"
    )
    expect(row).to_have_count(0, timeout=2_000)
    expect(page.locator("[data-calls-count]")).to_have_text("2")


def test_open_orders_are_counted_live(live, open_all_day):  # noqa: F811
    page = live.sign_in(*OWNER)
    expect(page.locator("[data-orders-status=new]")).to_have_text("0")
    phone_order()
    expect(page.locator("[data-orders-status=new]")).to_have_text("1", timeout=2_000)
    expect(page.locator("[data-orders-count]")).to_have_text("1")


def test_an_outsider_cannot_open_another_business_today(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    page = live.sign_in("owner-sushi", "panbot-dev-owner-sushi")
    page.goto(f"/app/b/{business.pk}/today/")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.locator("[data-calls] li")).to_have_count(0)
