"""`manage.py seed_demo` creates the demo world once, however often it runs, and only with DEBUG on."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from restaurants.models import Business, Closure, Membership, OpeningHours
from telephony.models import NumberAssignment, PbxTrunk, SipNumber

pytestmark = pytest.mark.django_db

MODELS = [Business, Membership, OpeningHours, Closure, SipNumber, NumberAssignment, PbxTrunk, get_user_model()]


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


def test_seed_twice_changes_nothing(settings):
    settings.DEBUG = True
    seed()
    first = counts()
    seed()
    assert counts() == first
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


def test_seed_demo_logins_work(settings, client):
    settings.DEBUG = True
    seed()
    assert client.login(username="owner-trattoria", password="panbot-dev-owner-trattoria")


def test_seed_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG"):
        seed()
    assert not Business.objects.exists()
