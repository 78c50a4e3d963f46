"""The menu's sold-out switches in a real browser: one tap, saved, and seen live on another screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from orders.models import MenuItem, Modifier
from tests.dashboard.conftest import screenshot


def test_staff_mark_an_item_sold_out_in_one_tap_and_another_screen_sees_it(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    staff = live.sign_in("staff-trattoria", "panbot-dev-staff-trattoria")
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").click()
    owner = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    owner.goto(f"/app/b/{business.pk}/menu/")

    margherita = MenuItem.objects.get(business=business, name="Margherita")
    row = staff.locator(f"[data-item-id='{margherita.pk}']")
    expect(row).to_contain_text("€")
    switch = row.get_by_role("button", name=re.compile("Margherita: on sale"))
    expect(switch).to_have_attribute("aria-pressed", "false")
    owner_row = owner.locator(f"[data-item-id='{margherita.pk}']")
    expect(owner_row.locator("button.switch").first).to_have_text(re.compile("On sale"))

    switch.click()
    expect(row.get_by_role("button", name=re.compile("Margherita: sold out"))).to_have_attribute("aria-pressed", "true")
    margherita.refresh_from_db()
    assert margherita.is_available is False
    expect(owner_row.locator("button.switch").first).to_have_text(re.compile("Sold out"), timeout=3_000)
    screenshot(staff, "menu")

    row.get_by_role("button", name=re.compile("Margherita: sold out")).click()
    expect(row.get_by_role("button", name=re.compile("Margherita: on sale"))).to_be_visible()
    margherita.refresh_from_db()
    assert margherita.is_available is True


def test_an_option_goes_back_on_sale_from_the_item_options(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    anchovies = Modifier.objects.filter(group__item__business=business, is_available=False).first()
    assert anchovies is not None  # the demo menu has a sold-out topping
    page = live.sign_in("staff-trattoria", "panbot-dev-staff-trattoria")
    page.goto(f"/app/b/{business.pk}/menu/")
    row = page.locator(f"[data-item-id='{anchovies.group.item_id}']")
    row.locator("summary").click()
    option = row.locator(f"[data-modifier-id='{anchovies.pk}'] button.switch")
    expect(option).to_have_attribute("aria-pressed", "true")
    option.click()
    expect(row.locator(f"[data-modifier-id='{anchovies.pk}'] button.switch")).to_have_attribute("aria-pressed", "false")
    anchovies.refresh_from_db()
    assert anchovies.is_available is True


def test_the_search_narrows_the_menu(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    page = live.sign_in("staff-trattoria", "panbot-dev-staff-trattoria")
    page.goto(f"/app/b/{business.pk}/menu/")
    page.get_by_label("Find an item").fill("diav")
    expect(page.locator(".menu-item:visible")).to_have_count(1)
    expect(page.locator(".menu-item:visible")).to_contain_text("Diavola")
    page.get_by_label("Find an item").fill("zzz")
    expect(page.get_by_text("No item matches.")).to_be_visible()


def test_an_outsider_cannot_open_another_business_menu(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    page = live.sign_in("staff-sushi", "panbot-dev-staff-sushi")
    page.goto(f"/app/b/{business.pk}/menu/")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.get_by_text("Margherita")).to_have_count(0)
