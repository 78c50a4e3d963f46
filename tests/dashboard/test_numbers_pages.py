"""The numbers pages in a real browser, as an owner, a staff member and an outsider."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from telephony.models import SipNumber
from tests.dashboard.conftest import screenshot

OWNER = ("owner-trattoria", "panbot-dev-owner-trattoria")
STAFF = ("staff-trattoria", "panbot-dev-staff-trattoria")
OUTSIDER = ("owner-sushi", "panbot-dev-owner-sushi")


def _trattoria(demo):
    return demo.businesses["trattoria-da-mario"]


def _numbers(live, who=OWNER):
    """Signed in (owners land on Today), then to Numbers through the navigation."""
    page = live.sign_in(*who)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Numbers").click()
    expect(page.get_by_role("heading", name="Phone numbers")).to_be_visible()
    return page


def test_owner_signs_in_and_opens_the_numbers_table(live, demo):
    page = _numbers(live)
    business = _trattoria(demo)
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/numbers/$"))
    expect(page.get_by_role("heading", name="Phone numbers")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    orders = page.locator("tr[data-number='+390551234567']")
    expect(orders).to_contain_text("Orders")
    expect(orders).to_contain_text("Active")
    expect(orders).to_contain_text("0 of 2")
    expect(page.get_by_text("assigned by the PanBot operator")).to_be_visible()
    expect(page.get_by_text("Sushi Zen")).to_have_count(0)
    screenshot(page, "numbers")
    assert page.errors == []


def test_owner_edits_the_orders_greeting_and_sees_it_in_the_effective_config(live, demo):
    page = _numbers(live)
    page.locator("tr[data-number='+390551234567']").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=re.compile("Orders"))).to_be_visible()
    greeting = page.get_by_label("Greeting")
    expect(greeting).to_have_value("")  # the restaurant's default applies
    expect(page.get_by_text("Restaurant default: Trattoria Da Mario, buongiorno!")).to_be_visible()
    greeting.fill("Da Mario, ordini da asporto: mi dica!")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    effective = page.locator("[data-effective-key=greeting]")
    expect(effective).to_contain_text("Da Mario, ordini da asporto: mi dica!")
    expect(effective).to_contain_text("this number")
    number = SipNumber.objects.get(number="+390551234567")
    assert number.config_override["greeting"] == "Da Mario, ordini da asporto: mi dica!"
    screenshot(page, "number-detail")

    page.reload()  # a new page load: a fresh access token from the cookie, the saved value from the API
    expect(page.get_by_label("Greeting")).to_have_value("Da Mario, ordini da asporto: mi dica!")
    page.get_by_label("Greeting").fill("")  # emptied: back to the restaurant's greeting
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-effective-key=greeting]")).to_contain_text("restaurant default")
    number.refresh_from_db()
    assert "greeting" not in number.config_override
    assert page.errors == []


def test_a_refused_change_shows_the_reason_next_to_the_field_and_saves_nothing(live, demo):
    page = live.sign_in(*OWNER)
    orders = SipNumber.objects.get(number="+390551234567")
    page.goto(f"/app/b/{_trattoria(demo).pk}/numbers/{orders.pk}/")
    page.get_by_label("When the number is busy").select_option("transfer")
    page.get_by_label("Transfer to").fill("not a phone")
    page.get_by_label("Greeting").fill("Changed greeting")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("check the highlighted fields")
    expect(page.get_by_label("Transfer to")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-error-for=transfer_number]")).not_to_be_empty()
    orders.refresh_from_db()
    assert orders.config_override.get("greeting") is None  # nothing of the refused request was saved
    screenshot(page, "number-detail-error")


def test_live_calls_update_without_a_reload(live, demo, make_live_call):
    page = _numbers(live)
    orders = page.locator("tr[data-number='+390551234567']")
    expect(orders).to_contain_text("0 of 2")
    number = SipNumber.objects.get(number="+390551234567")
    make_live_call(number)
    make_live_call(number, caller="+393339998888")
    expect(orders).to_contain_text("2 of 2", timeout=8_000)
    expect(orders.locator(".live-full")).to_have_count(1)


def test_an_outsider_cannot_open_another_business_pages(live, demo):
    page = live.sign_in(*OUTSIDER)
    business = _trattoria(demo)
    orders = SipNumber.objects.get(number="+390551234567")
    for path in (f"/app/b/{business.pk}/numbers/", f"/app/b/{business.pk}/numbers/{orders.pk}/"):
        page.goto(path)
        expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
        expect(page.get_by_text("+390551234567")).to_have_count(0)
        expect(page.get_by_text("Orders")).to_have_count(0)
    screenshot(page, "outsider-not-found")


def test_staff_get_the_board_not_the_numbers_pages(live, demo):
    page = live.sign_in(*STAFF)
    business = _trattoria(demo)
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/board/$"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Order board")).to_be_visible()
    expect(nav.get_by_role("link", name="Numbers")).to_be_hidden()
    orders = SipNumber.objects.get(number="+390551234567")
    for path in (f"/app/b/{business.pk}/numbers/", f"/app/b/{business.pk}/numbers/{orders.pk}/"):
        page.goto(path)
        expect(page.get_by_text("Your role in this business does not include this page.")).to_be_visible()
        expect(page.get_by_label("Greeting")).to_be_hidden()


def test_times_are_shown_in_the_business_zone_not_the_browser_one(live, demo):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from restaurants.models import Business

    Business.objects.filter(pk=_trattoria(demo).pk).update(timezone="America/New_York")
    page = live.sign_in_italian(*OWNER)  # the browser is in Rome (the fixture's timezone_id)
    page.get_by_role("navigation", name="Principale").get_by_role("link", name="Numeri").click()
    updated = page.locator("[data-updated]")
    expect(updated).to_contain_text("Aggiornato alle")
    now = datetime.now(ZoneInfo("America/New_York"))
    hours = {f"{(now + timedelta(minutes=m)).hour:02d}" for m in (-1, 0, 1)}  # a minute either side
    shown = re.search(r"(\d\d):\d\d:\d\d", updated.text_content()).group(1)
    assert shown in hours, (shown, hours)
