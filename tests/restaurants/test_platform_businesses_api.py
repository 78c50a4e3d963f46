"""The platform API's businesses: stakeholders list, create, deactivate and reactivate tenants."""

from __future__ import annotations

import pytest

from restaurants.models import Business
from telephony import services as telephony_services

pytestmark = pytest.mark.django_db

BUSINESSES = "/api/v1/platform/businesses/"


@pytest.fixture
def platform(world):
    return world.client("stakeholder")


def test_list_every_business_with_numbers_and_live_calls(world, platform, make_number, make_live_call):
    make_live_call(world.own.number)
    make_number(business=world.own.business)
    by_name = {b["name"]: b for b in platform.get(BUSINESSES).json()["results"]}
    assert set(by_name) == {"Trattoria Da Mario", "Sushi Zen"}
    assert (by_name["Trattoria Da Mario"]["numbers"], by_name["Trattoria Da Mario"]["live_calls"]) == (2, 1)
    assert (by_name["Sushi Zen"]["numbers"], by_name["Sushi Zen"]["live_calls"]) == (0, 0)


def test_list_filters(world, platform):
    platform.post(f"{BUSINESSES}{world.foreign.business.pk}/deactivate/", format="json")
    names = lambda **params: {b["name"] for b in platform.get(BUSINESSES, params).json()["results"]}  # noqa: E731
    assert names(active="false") == {"Sushi Zen"}
    assert names(active="true") == {"Trattoria Da Mario"}
    assert names(search="trattoria") == {"Trattoria Da Mario"}
    assert platform.get(BUSINESSES, {"active": "perhaps"}).json() == {"active": ["Must be a valid boolean."]}


def test_create_a_business_with_a_slug_made_from_its_name(platform):
    response = platform.post(BUSINESSES, {"name": "Pizzeria Nuova", "timezone": "Europe/Rome"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["is_active"], body["max_concurrent_calls"]) == ("pizzeria-nuova", True, 3)
    again = platform.post(BUSINESSES, {"name": "Pizzeria  Nuova!"}, format="json").json()
    assert again["slug"] == "pizzeria-nuova-2"
    assert Business.objects.filter(slug__startswith="pizzeria-nuova").count() == 2


def test_create_with_every_field(platform):
    payload = {"name": "Da Gino", "slug": "gino", "timezone": "Europe/London", "default_language": "en",
               "max_concurrent_calls": 5, "address": "1 High St", "public_phone": "+44 20 7946 0958"}  # fmt: skip
    body = platform.post(BUSINESSES, payload, format="json").json()
    assert {k: body[k] for k in payload} == {**payload, "public_phone": "+442079460958"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "X", "slug": "not a slug"}, "slug"),
        ({"name": "X", "slug": "sushi"}, "slug"),  # taken (below)
        ({"name": "X", "default_language": "xx"}, "default_language"),
        ({"name": "X", "max_concurrent_calls": 0}, "max_concurrent_calls"),
        ({"name": "X", "public_phone": "call me"}, "public_phone"),
        ({"name": "X", "is_active": False}, "is_active"),
    ],
)
def test_a_refused_business_is_a_400_naming_the_field_and_nothing_is_created(platform, make_business, payload, field):
    make_business("Sushi", slug="sushi")
    before = Business.objects.count()
    response = platform.post(BUSINESSES, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Business.objects.count() == before


def test_a_deactivated_business_refuses_new_calls_and_reactivation_restores_them(world, platform):
    business, number = world.own.business, world.own.number
    response = platform.post(f"{BUSINESSES}{business.pk}/deactivate/", format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    refused = telephony_services.call_admit(
        called=number.number, caller="+393331234567", sip_call_id="a", room_name="a"
    )
    assert (refused.admitted, refused.reason) == (False, "business_inactive")
    assert platform.post(f"{BUSINESSES}{business.pk}/deactivate/", format="json").json()["is_active"] is False
    response = platform.post(f"{BUSINESSES}{business.pk}/reactivate/", format="json")
    assert response.json()["is_active"] is True
    admitted = telephony_services.call_admit(
        called=number.number, caller="+393331234567", sip_call_id="b", room_name="b"
    )
    assert admitted.admitted


def test_an_unknown_business_is_404_and_a_body_on_deactivate_is_refused(world, platform):
    assert platform.post(f"{BUSINESSES}999999999/deactivate/", format="json").status_code == 404
    response = platform.post(f"{BUSINESSES}{world.own.business.pk}/deactivate/", {"is_active": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"is_active": ["Unknown field."]}
    world.own.business.refresh_from_db()
    assert world.own.business.is_active is True


def test_owners_cannot_create_or_deactivate_businesses(world):
    client = world.client("owner")
    assert client.post(BUSINESSES, {"name": "Mine"}, format="json").status_code == 403
    assert client.post(f"{BUSINESSES}{world.own.business.pk}/deactivate/", format="json").status_code == 403
    world.own.business.refresh_from_db()
    assert world.own.business.is_active is True
