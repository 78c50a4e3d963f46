"""GET /api/v1/me/: the user, the stakeholder flag and their memberships with business names."""

from __future__ import annotations

import pytest

from restaurants import services as restaurant_services
from restaurants.models import Membership

pytestmark = pytest.mark.django_db


def test_me_lists_memberships_with_business_names_zones_and_currencies(world, make_business):
    manager = world.users["manager"]
    other = make_business("Antica Pizzeria", timezone="Europe/London", currency="GBP")
    restaurant_services.membership_set(business=other, user=manager, role=Membership.Role.STAFF)
    response = world.client("manager").get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == manager.pk
    assert body["username"] == manager.username
    assert body["stakeholder"] is False
    assert body["memberships"] == [  # by business name; times and money are shown in the business's own
        {
            "business_id": other.pk,
            "business_name": "Antica Pizzeria",
            "role": "staff",
            "timezone": "Europe/London",
            "currency": "GBP",
        },
        {
            "business_id": world.own.business.pk,
            "business_name": "Trattoria Da Mario",
            "role": "manager",
            "timezone": world.own.business.timezone,
            "currency": world.own.business.currency,
        },
    ]


def test_me_of_a_stakeholder(world):
    body = world.client("stakeholder").get("/api/v1/me/").json()
    assert body["stakeholder"] is True
    assert body["memberships"] == []


def test_me_of_an_outsider_shows_only_their_own_business(world):
    body = world.client("outsider").get("/api/v1/me/").json()
    assert [m["business_id"] for m in body["memberships"]] == [world.foreign.business.pk]


def test_me_needs_a_token(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def test_me_of_a_user_deactivated_since_the_token_was_minted(world):
    client = world.client("owner")
    owner = world.users["owner"]
    owner.is_active = False
    owner.save()
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
