"""Menus, orders, bookings and FAQ in the stakeholder admin: visible across tenants, written through services."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import MenuItem, ModifierGroup
from orders.services import order_place, order_transition
from reservations.services import reservation_book
from restaurants.models import FaqEntry
from tests.conftest import ROME

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, stakeholder):
    client.force_login(stakeholder)
    return client


@pytest.fixture
def order(business, menu, taking_orders, at, stakeholder):
    at(2026, 6, 13, 18, 0)
    order = order_place(
        business=business,
        items=[{"item_id": menu.margherita.pk, "quantity": 2, "modifier_ids": [menu.maxi.pk, menu.burrata.pk]}],
        customer_name="Giulia Bianchi",
        customer_phone="+393331234567",
    )
    return order_transition(business=order.business, order_id=order.pk, to_status="accepted", by=stakeholder)


@pytest.fixture
def reservation(business, taking_bookings, at):
    at(2026, 6, 13, 10, 0)
    return reservation_book(
        business=business, starts_at=datetime(2026, 6, 13, 20, 0, tzinfo=ROME), party_size=4, name="Famiglia Rossi",
        phone="+393339876543",
    )  # fmt: skip


def test_orders_of_every_tenant_are_listed_with_local_pickup_times(admin_client, order, outsider_business):
    page = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "Giulia Bianchi" in page and "#1 (13 Jun)" in page and "Sat 13 Jun 19:20" in page and "30.00 EUR" in page
    found = admin_client.get(reverse("admin:orders_order_changelist"), {"q": "333 123 4567"}).content.decode()
    assert "Giulia Bianchi" in found


def test_an_order_page_shows_lines_options_and_history_and_cannot_be_edited(admin_client, order):
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Maxi, Burrata" in page and "+39 333 123 4567" in page
    assert "accepted" in page and "status history" in page.lower()
    assert 'name="_save"' not in page
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


def test_reservations_are_listed_read_only_in_local_time(admin_client, reservation):
    page = admin_client.get(reverse("admin:reservations_reservation_changelist")).content.decode()
    assert "Famiglia Rossi" in page and "Sat 13 Jun 2026 20:00" in page
    detail = admin_client.get(reverse("admin:reservations_reservation_change", args=[reservation.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert "confirmed" in detail.content.decode()
    assert admin_client.get(reverse("admin:reservations_reservation_add")).status_code == 403


def test_menu_item_edits_go_through_the_service(admin_client, business, menu):
    url = reverse("admin:orders_menuitem_change", args=[menu.diavola.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "business": business.pk, "category": menu.diavola.category_id, "name": "Diavola", "description": "",
        "price": "-1", "aliases": '["diavolo"]', "allergens": '["pepper"]', "position": "1",
        "modifier_groups-TOTAL_FORMS": "0", "modifier_groups-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in page and "Give a list of allergens" in page
    response = admin_client.post(url, {**data, "price": "10.50", "allergens": '["gluten"]', "is_available": ""})
    assert response.status_code == 302
    menu.diavola.refresh_from_db()
    assert (menu.diavola.price, menu.diavola.is_available, menu.diavola.aliases) == (
        Decimal("10.50"),
        False,
        ["diavolo"],
    )


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        # PostgreSQL's jsonb refuses "\u0000" (it was a DataError, a 500).
        ("aliases", '["diavolo\\u0000"]', "An alias contains characters we cannot store."),
        ("aliases", "[" * 900 + "]" * 900, "Enter a valid JSON."),
        ("name", "Diavola\x00", "Null characters are not allowed."),
        ("description", "Hot\x00", "Null characters are not allowed."),
    ],
)
def test_text_the_database_cannot_store_is_a_form_error(admin_client, business, menu, field, value, fragment):
    url = reverse("admin:orders_menuitem_change", args=[menu.diavola.pk])
    data = {
        "business": business.pk, "category": menu.diavola.category_id, "name": "Diavola", "description": "",
        "price": "9.50", "aliases": "[]", "allergens": "[]", "position": "1", "is_available": "on",
        "modifier_groups-TOTAL_FORMS": "0", "modifier_groups-INITIAL_FORMS": "0", field: value,
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert fragment in response.content.decode()
    menu.diavola.refresh_from_db()
    assert (menu.diavola.name, menu.diavola.aliases) == ("Diavola", [])


def test_a_category_of_another_restaurant_is_a_form_error(admin_client, business, outsider_business, make_menu):
    theirs = make_menu(outsider_business)
    response = admin_client.post(
        reverse("admin:orders_menuitem_add"),
        {"business": business.pk, "category": theirs.margherita.category_id, "name": "Intruder", "price": "5",
         "aliases": "[]", "allergens": "[]", "position": "0", "is_available": "on",
         "modifier_groups-TOTAL_FORMS": "0", "modifier_groups-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Choose a category of the same business." in response.content.decode()
    assert not MenuItem.objects.filter(name="Intruder").exists()


def test_modifier_groups_are_edited_inline_and_checked(admin_client, business, menu):
    url = reverse("admin:orders_menuitem_change", args=[menu.cola.pk])
    data = {
        "business": business.pk, "category": menu.cola.category_id, "name": "Coca-Cola", "description": "",
        "price": "3.00", "aliases": "[]", "allergens": "[]", "position": "0", "is_available": "on",
        "modifier_groups-TOTAL_FORMS": "1", "modifier_groups-INITIAL_FORMS": "0",
        "modifier_groups-0-name": "Ice", "modifier_groups-0-min_selected": "2", "modifier_groups-0-max_selected": "1",
        "modifier_groups-0-position": "0",
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "The minimum cannot be above the maximum." in response.content.decode()
    response = admin_client.post(url, {**data, "modifier_groups-0-min_selected": "0"})
    assert response.status_code == 302
    group = ModifierGroup.objects.get(item=menu.cola)
    assert (group.name, group.min_selected, group.max_selected) == ("Ice", 0, 1)
    assert admin_client.get(reverse("admin:orders_modifiergroup_change", args=[menu.size.pk])).status_code == 200


def test_sold_out_action_marks_items(admin_client, menu):
    response = admin_client.post(
        reverse("admin:orders_menuitem_changelist"),
        {"action": "mark_sold_out", "_selected_action": [menu.margherita.pk, menu.cola.pk]},
    )
    assert response.status_code == 302
    assert set(MenuItem.objects.filter(is_available=False).values_list("name", flat=True)) == {
        "Margherita", "Coca-Cola", "Lasagne al forno",
    }  # fmt: skip


def test_menu_items_cannot_be_deleted(admin_client, menu):
    assert admin_client.get(reverse("admin:orders_menuitem_delete", args=[menu.cola.pk])).status_code == 403


def test_faq_entries_are_added_through_the_service(admin_client, business):
    response = admin_client.post(
        reverse("admin:restaurants_faqentry_add"),
        {"business": business.pk, "question": "Do you have Wi-Fi?", "answer": "Yes, ask the staff.",
         "is_active": "on", "position": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    assert FaqEntry.objects.get().question == "Do you have Wi-Fi?"
    page = admin_client.get(reverse("admin:restaurants_faqentry_changelist")).content.decode()
    assert "Do you have Wi-Fi?" in page


def test_settings_pages_load(admin_client, taking_orders, taking_bookings):
    for name, pk in (
        ("admin:orders_ordersettings_change", taking_orders.pk),
        ("admin:reservations_reservationsettings_change", taking_bookings.pk),
    ):
        assert admin_client.get(reverse(name, args=[pk])).status_code == 200
