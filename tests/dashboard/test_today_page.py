"""Today in a real browser: live calls come and go as they happen, a number at its limit shows a banner,
open orders are counted live, and owners see today's calls answered and lost, kept current by the feed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from telephony import services as telephony_services
from telephony.models import SipNumber
from tests.dashboard.conftest import screenshot
from tests.dashboard.test_board_page import open_all_day, phone_order  # noqa: F401 (a fixture)

OWNER = ("owner-trattoria", "panbot-dev-owner-trattoria")
STAFF = ("staff-trattoria", "panbot-dev-staff-trattoria")
ORDERS, RESERVATIONS = "+390551234567", "+390551234568"  # the demo's numbers: limits 2 and 1
_callers = iter(f"+3934700000{n:02d}" for n in range(100))


def admit(number: str):
    caller = next(_callers)
    return telephony_services.call_admit(
        called=number, caller=caller, sip_call_id=f"tally-{caller}", room_name=f"call-tally-{caller}"
    )


def end(admission, reason: str = "caller_hangup") -> None:
    assert admission.admitted
    telephony_services.call_end(
        active_call_id=admission.active_call_id, call_record_id=admission.call_record_id, reason=reason
    )


def test_owners_land_on_today_and_see_calls_come_and_go_live(live, demo, make_live_call):
    business = demo.businesses["trattoria-da-mario"]
    orders = SipNumber.objects.get(number="+390551234567")
    end(admit(RESERVATIONS))
    make_live_call(orders)
    make_live_call(orders, caller="+393339998888")
    assert admit(ORDERS).reason == "number_busy"
    page = live.sign_in(*OWNER)
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/today/$"))
    expect(page.locator("[data-calls] li")).to_have_count(2)
    expect(page.locator("[data-calls-answered]")).to_have_text("1")
    expect(page.locator("[data-calls-lost]")).to_have_text("1")
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


def test_owners_see_calls_answered_and_lost_today_and_a_call_ending_now_counts_at_once(live, demo):
    end(admit(ORDERS))  # answered
    end(admit(ORDERS), reason="error")  # failed: lost
    on_the_line = admit(RESERVATIONS)
    assert admit(RESERVATIONS).reason == "number_busy"  # refused: lost
    page = live.sign_in(*OWNER)
    tally = page.locator("[data-widget=calls-today]")
    expect(tally.locator("[data-calls-answered]")).to_have_text("1")
    expect(tally.locator("[data-calls-lost]")).to_have_text("2")
    expect(tally.get_by_role("heading", name="Calls today")).to_be_visible()

    end(on_the_line)
    expect(tally.locator("[data-calls-answered]")).to_have_text("2", timeout=2_000)
    on_the_line = admit(RESERVATIONS)
    assert admit(RESERVATIONS).reason == "number_busy"
    expect(tally.locator("[data-calls-lost]")).to_have_text("3", timeout=2_000)
    expect(tally.locator("[data-calls-answered]")).to_have_text("2")

    # The link opens the history of the same day.
    tally.get_by_role("link", name="See today's calls").click()
    expect(page.locator("tbody tr")).to_have_count(6)  # five finished, one on the line
    assert page.errors == []


def test_staff_see_no_call_counts_and_never_ask_for_them(live, demo):
    asked = []
    page = live.page()
    page.on("request", lambda request: "/analytics/" in request.url and asked.append(request.url))
    page.goto("/app/signin/")
    page.get_by_label("Username or e-mail address").fill(STAFF[0])
    page.get_by_label("Password").fill(STAFF[1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator("[data-feed-state=live]")).to_be_visible()
    expect(page.locator("[data-calls-empty]")).to_be_visible()
    expect(page.locator("[data-widget=calls-today]")).to_be_hidden()
    assert asked == []
