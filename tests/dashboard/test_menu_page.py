"""The menu in a real browser: sold-out switches (one tap, saved, seen live on another screen) for
everyone; editing and adding items and their options for managers and owners only."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup
from tests.dashboard.conftest import screenshot

OWNER = ("owner-trattoria", "panbot-dev-owner-trattoria")
STAFF = ("staff-trattoria", "panbot-dev-staff-trattoria")


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
    screenshot(staff, "menu-staff")

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


def _edit(live, demo, name: str, who=OWNER):
    """The item's page, opened as a person does: Menu, then the item's Edit link."""
    page = live.sign_in(*who)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").click()
    page.get_by_role("link", name=f"Edit {name}").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    return page


def test_owner_renames_and_reprices_an_item_and_every_screen_sees_it(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    margherita = MenuItem.objects.get(business=business, name="Margherita")
    staff = live.sign_in(*STAFF)
    staff.goto(f"/app/b/{business.pk}/menu/")
    expect(staff.locator(f"[data-item-id='{margherita.pk}']")).to_contain_text("€7.50")

    page = _edit(live, demo, "Margherita")
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/menu/items/{margherita.pk}/$"))
    expect(page.get_by_label("Price (€)", exact=True)).to_have_value("7.50")
    expect(page.get_by_label("Category")).to_have_value(str(margherita.category_id))
    expect(page.get_by_label("On sale", exact=True)).to_be_checked()
    page.get_by_label("Name", exact=True).fill("Margherita DOP")
    page.get_by_label("Description").fill("Tomato, bufala, basil")
    page.get_by_label("Price (€)", exact=True).fill("8.5")
    page.get_by_label("Price (€)", exact=True).press("Tab")
    page.keyboard.press("Tab")  # the category, the sale switch, then Save: the form works from the keyboard
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Margherita DOP", exact=True)).to_be_visible()
    expect(page.get_by_label("Price (€)", exact=True)).to_have_value("8.50")
    margherita.refresh_from_db()
    assert (margherita.name, margherita.price, margherita.description) == (
        "Margherita DOP",
        Decimal("8.50"),
        "Tomato, bufala, basil",
    )
    assert margherita.is_available is True  # not sent: it did not change
    screenshot(page, "menu-item")

    row = staff.locator(f"[data-item-id='{margherita.pk}']")  # the kitchen's screen, live
    expect(row).to_contain_text("Margherita DOP", timeout=3_000)
    expect(row).to_contain_text("€8.50")
    page.get_by_role("link", name="← Menu").click()
    expect(page.locator(f"[data-item-id='{margherita.pk}']")).to_contain_text("€8.50")
    screenshot(page, "menu")
    assert page.errors == [] and staff.errors == []


def test_owner_adds_an_option_to_a_group_and_changes_one(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    extras = ModifierGroup.objects.get(item__business=business, item__name="Diavola", name="Extra toppings")
    page = _edit(live, demo, "Diavola")
    group = page.locator(f"[data-group-id='{extras.pk}']")
    expect(group.get_by_role("heading", name="Extra toppings")).to_be_visible()
    expect(group.get_by_label("Choose at most")).to_have_value("3")

    group.get_by_label("New option", exact=True).fill("Nduja")
    group.get_by_label("Extra price of the new option (€)").fill("2.00")
    group.get_by_label("Extra price of the new option (€)").press("Enter")
    nduja = group.locator("[data-option-id]").last  # added under the others
    expect(nduja.get_by_label("Name of the option")).to_have_value("Nduja")
    expect(nduja.get_by_label("Extra price (€)")).to_have_value("2.00")
    expect(nduja.get_by_label("Nduja: on sale")).to_be_checked()
    expect(group.get_by_label("New option", exact=True)).to_be_focused()  # ready for the next one
    expect(group.get_by_label("New option", exact=True)).to_have_value("")
    added = Modifier.objects.get(group=extras, name="Nduja")
    assert (added.price_delta, added.is_available) == (Decimal("2.00"), True)

    olive = Modifier.objects.get(group=extras, name="Olive")
    row = group.locator(f"[data-option-id='{olive.pk}']")
    row.get_by_label("Extra price (€)").fill("1.20")
    row.get_by_role("button", name="Save Olive").click()
    expect(row.get_by_role("status")).to_have_text("Saved.")
    olive.refresh_from_db()
    assert olive.price_delta == Decimal("1.20")

    group.get_by_label("Choose at most").fill("4")
    group.get_by_role("button", name="Save the group Extra toppings").click()
    expect(group.locator("[data-group-form] [data-save-status]")).to_have_text("Saved.")
    extras.refresh_from_db()
    assert extras.max_selected == 4
    assert page.errors == []


def test_refusals_show_next_to_their_fields_and_change_nothing(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    margherita = MenuItem.objects.get(business=business, name="Margherita")
    page = _edit(live, demo, "Margherita")
    page.get_by_label("Price (€)", exact=True).fill("-1")
    page.get_by_role("button", name="Save", exact=True).click()
    price = page.get_by_label("Price (€)", exact=True)
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_be_focused()
    expect(page.locator("#e-price")).to_have_text("Ensure this value is greater than or equal to 0.")
    expect(page.locator("[data-item-form] [data-form-error]")).to_contain_text("check the highlighted fields")

    page.get_by_label("Price (€)", exact=True).fill("eight")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#e-price")).to_have_text("A valid number is required.")

    size = ModifierGroup.objects.get(item=margherita, name="Size")
    group = page.locator(f"[data-group-id='{size.pk}']")
    group.get_by_label("Choose at least").fill("2")  # above "at most" (1)
    group.get_by_role("button", name="Save the group Size").click()
    expect(group.get_by_text("The minimum cannot be above the maximum.")).to_be_visible()
    expect(group.get_by_label("Choose at least")).to_have_attribute("aria-invalid", "true")

    margherita.refresh_from_db()
    size.refresh_from_db()
    assert (margherita.price, size.min_selected) == (Decimal("7.50"), 1)
    # The API's 400s, shown on the page: the browser logs each failed request, nothing else went wrong.
    assert all("400 (Bad Request)" in error for error in page.errors), page.errors


def test_a_manager_adds_an_item_then_its_first_options(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    from restaurants.models import Membership

    Membership.objects.filter(business=business, user__username=OWNER[0]).update(role="manager")
    page = live.sign_in(*OWNER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Menu").click()
    page.get_by_role("link", name="Add an item").click()
    expect(page.get_by_role("heading", name="New item")).to_be_visible()
    expect(page.get_by_text("Add the item first, then its options.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.get_by_label("Name", exact=True).fill("Panna cotta")
    page.get_by_label("Price (€)", exact=True).fill("5.50")
    page.get_by_label("Category").select_option(label="Dolci")
    page.get_by_role("button", name="Add the item").click()

    expect(page.get_by_role("heading", name="Panna cotta", exact=True)).to_be_visible()
    item = MenuItem.objects.get(business=business, name="Panna cotta")
    assert (item.price, item.category.name, item.is_available) == (Decimal("5.50"), "Dolci", True)
    expect(page).to_have_url(re.compile(rf"/menu/items/{item.pk}/$"))

    page.get_by_label("Name of the group").fill("Topping")
    page.get_by_role("button", name="Add the group").click()
    expect(page.get_by_role("heading", name="Topping")).to_be_visible()
    page.get_by_label("New option", exact=True).fill("Caramello")
    page.get_by_label("Extra price of the new option (€)").fill("0.50")
    page.get_by_role("button", name="Add an option to Topping").click()
    expect(page.locator("[data-option-id]").get_by_label("Name of the option")).to_have_value("Caramello")
    group = ModifierGroup.objects.get(item=item)
    assert (group.name, group.min_selected, group.max_selected) == ("Topping", 0, 1)
    assert list(group.modifiers.values_list("name", "price_delta")) == [("Caramello", Decimal("0.50"))]

    page.get_by_role("link", name="← Menu").click()
    expect(page.locator(f"[data-item-id='{item.pk}']")).to_contain_text("Panna cotta")
    assert page.errors == []


def test_staff_keep_the_switches_but_get_no_edit_controls(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    margherita = MenuItem.objects.get(business=business, name="Margherita")
    page = live.sign_in(*STAFF)
    page.goto(f"/app/b/{business.pk}/menu/")
    row = page.locator(f"[data-item-id='{margherita.pk}']")
    expect(row.get_by_role("button", name=re.compile("Margherita: on sale"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    expect(page.get_by_role("link", name="Add an item")).to_be_hidden()
    for path in (f"menu/items/{margherita.pk}/", "menu/items/new/"):
        page.goto(f"/app/b/{business.pk}/{path}")
        expect(page.get_by_text("Your role in this business does not include this page.")).to_be_visible()
        expect(page.get_by_label("Price (€)", exact=True)).to_be_hidden()
        expect(page.locator("[data-item-form]")).to_be_hidden()
    margherita.refresh_from_db()
    assert margherita.name == "Margherita"


def test_an_outsider_cannot_open_another_business_item(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    margherita = MenuItem.objects.get(business=business, name="Margherita")
    page = live.sign_in("owner-sushi", "panbot-dev-owner-sushi")
    page.goto(f"/app/b/{business.pk}/menu/items/{margherita.pk}/")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.get_by_label("Price (€)", exact=True)).to_be_hidden()
    assert not MenuCategory.objects.filter(business__slug="sushi-zen", name="Pizze").exists()


def test_the_item_page_in_italian_shows_and_takes_prices_with_a_comma(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    diavola = MenuItem.objects.get(business=business, name="Diavola")
    page = live.sign_in_italian(*OWNER)
    page.get_by_role("navigation", name="Principale").get_by_role("link", name="Menù").click()
    page.get_by_role("link", name="Modifica Diavola").click()
    price = page.get_by_label("Prezzo (€)", exact=True)
    expect(price).to_have_value("9,00")
    expect(page.get_by_text("Per esempio 8,50")).to_be_visible()
    expect(page.get_by_role("heading", name="Opzioni")).to_be_visible()
    price.fill("9,5")
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.locator("[data-item-form] [data-save-status]")).to_have_text("Salvato.")
    expect(price).to_have_value("9,50")
    diavola.refresh_from_db()
    assert diavola.price == Decimal("9.50")
    screenshot(page, "menu-item-it")
    assert page.errors == []
