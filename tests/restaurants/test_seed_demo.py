"""`manage.py seed_demo` creates the demo world once, however often it runs, and only with DEBUG on."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, OrderSettings
from reservations.models import ReservationSettings
from restaurants.models import Business, Closure, FaqEntry, Membership, OpeningHours
from telephony.models import NumberAssignment, PbxTrunk, SipNumber

pytestmark = pytest.mark.django_db

MODELS = [
    Business, Membership, OpeningHours, Closure, SipNumber, NumberAssignment, PbxTrunk, get_user_model(),
    MenuCategory, MenuItem, ModifierGroup, Modifier, OrderSettings, FaqEntry, ReservationSettings,
]  # fmt: skip


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_creates_the_demo_world(settings):
    settings.DEBUG = True
    output = seed()

    mario = Business.objects.get(slug="trattoria-da-mario")
    assert mario.max_concurrent_calls == 3 and mario.timezone == "Europe/Rome"
    orders, reservations = SipNumber.objects.filter(business=mario).order_by("number")
    assert (orders.number, orders.label, orders.max_concurrent_calls) == ("+390551234567", "Orders", 2)
    assert (reservations.number, reservations.label, reservations.max_concurrent_calls) == (
        "+390551234568",
        "Reservations",
        1,
    )
    assert "greeting" in reservations.config_override
    assert SipNumber.objects.get(number="+390557654321").business.slug == "sushi-zen"
    assert SipNumber.objects.get(number="+390551234569").business is None
    assert get_user_model().objects.get(username="stakeholder").is_staff
    assert set(Membership.objects.values_list("user__username", "role")) >= {
        ("owner-trattoria", "owner"),
        ("staff-trattoria", "staff"),
        ("owner-sushi", "owner"),
        ("staff-sushi", "staff"),
    }
    assert "stakeholder" in output and "panbot-dev-stakeholder" in output


def test_seed_twice_changes_nothing_and_restores_the_demo_menu(settings):
    settings.DEBUG = True
    seed()
    first = counts()
    MenuItem.objects.filter(name="Margherita").update(is_available=False, price=1)
    seed()
    assert counts() == first
    assert MenuItem.objects.filter(name="Margherita", is_available=True, price="7.50").count() == 1
    assert NumberAssignment.objects.filter(ended_at__isnull=False).count() == 0


def test_seed_restores_a_demo_number_that_was_moved(settings, stakeholder):
    from telephony import services

    settings.DEBUG = True
    seed()
    number = SipNumber.objects.get(number="+390557654321")
    services.number_assign(sip_number=number, business=Business.objects.get(slug="trattoria-da-mario"), by=stakeholder)
    seed()
    number.refresh_from_db()
    assert number.business.slug == "sushi-zen"


def test_seed_gives_the_trattoria_a_menu_with_modifiers_and_sold_out_items(settings):
    from orders.selectors import menu_as_text, menu_item_match

    settings.DEBUG = True
    output = seed()
    mario = Business.objects.get(slug="trattoria-da-mario")
    margherita = MenuItem.objects.get(business=mario, name="Margherita")
    groups = {g.name: g for g in margherita.modifier_groups.all()}
    assert set(groups) == {"Size", "Extra toppings", "Half and half"}
    assert (groups["Size"].min_selected, groups["Size"].max_selected) == (1, 1)
    assert "Other half Diavola" in {m.name for m in groups["Half and half"].modifiers.all()}
    assert "Other half Margherita" not in {m.name for m in groups["Half and half"].modifiers.all()}
    sold_out = set(MenuItem.objects.filter(business=mario, is_available=False).values_list("name", flat=True))
    assert sold_out == {"Capricciosa", "Lasagne al forno"}
    assert set(MenuCategory.objects.filter(business=mario).values_list("name", flat=True)) == {
        "Pizze", "Primi", "Dolci", "Bevande",
    }  # fmt: skip
    assert MenuItem.objects.filter(business__slug="sushi-zen").count() >= 5
    text = menu_as_text(mario)
    assert "Sold out today: Capricciosa, Lasagne al forno." in text and "Acciughe" not in text
    assert menu_item_match(mario, "marghe")[0].item == margherita
    assert "menu items" in output


def test_seed_demo_orders_and_bookings_work_as_designed(settings, at):
    from datetime import date

    from orders.services import order_review
    from reservations.selectors import reservation_availability
    from restaurants.selectors import faq_search

    settings.DEBUG = True
    seed()
    mario = Business.objects.get(slug="trattoria-da-mario")
    at(2026, 6, 13, 18, 0)  # a Saturday
    margherita = MenuItem.objects.get(business=mario, name="Margherita")
    maxi = Modifier.objects.get(group__item=margherita, name="Maxi")
    half = Modifier.objects.get(group__item=margherita, name="Other half Diavola")
    review = order_review(
        business=mario, items=[{"item_id": margherita.pk, "quantity": 1, "modifier_ids": [maxi.pk, half.pk]}]
    )
    assert str(review.total) == "13.00"  # 7.50 + 4.00 maxi + 1.50 for the Diavola half
    starts = [f"{s:%H:%M}" for s in reservation_availability(business=mario, date=date(2026, 6, 14), party_size=8)]
    assert starts == ["12:00", "12:30", "13:00", "13:30", "14:00", "14:30",
                      "19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00", "22:30"]  # fmt: skip
    rules = ReservationSettings.objects.get(business=mario)
    assert (rules.seats_per_slot, rules.slot_minutes, rules.max_party_size) == (40, 30, 8)
    assert faq_search(mario, "parking")[0].question == "Is there parking nearby?"


def test_seed_demo_logins_work(settings, client):
    settings.DEBUG = True
    seed()
    assert client.login(username="owner-trattoria", password="panbot-dev-owner-trattoria")


def test_seed_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG"):
        seed()
    assert not Business.objects.exists()
