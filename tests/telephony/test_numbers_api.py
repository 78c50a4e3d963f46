"""The numbers endpoints: list and detail for everyone in the business, PATCH for managers and owners."""

from __future__ import annotations

import pytest

from panbot.models import Event
from telephony.models import NumberAssignment, SipNumber

pytestmark = pytest.mark.django_db


def numbers_url(world):
    return f"/api/v1/businesses/{world.own.business.pk}/numbers/"


def number_url(world, number):
    return f"/api/v1/businesses/{world.own.business.pk}/numbers/{number.pk}/"


@pytest.fixture
def orders(world):
    return world.own.number  # "Orders", limit 1, no override


def test_list_shows_each_number_with_live_calls_and_effective_settings(world, orders, make_number, make_live_call):
    make_number(business=world.own.business, label="Reservations", config_override={"greeting": "Prenotazioni!"})
    make_number(business=world.foreign.business, label="Not ours")
    make_number(label="Pool")
    make_live_call(orders)
    response = world.client("staff").get(numbers_url(world))
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    by_label = {n["label"]: n for n in body["results"]}
    assert set(by_label) == {"Orders", "Reservations"}
    assert by_label["Orders"]["live_calls"] == 1
    assert by_label["Orders"]["number"] == orders.number
    assert by_label["Orders"]["config_override"] == {}
    assert by_label["Orders"]["effective_config"]["greeting"] == "Buongiorno!"  # the business's default
    assert by_label["Orders"]["effective_config"]["overridden"] == []
    assert by_label["Reservations"]["effective_config"]["greeting"] == "Prenotazioni!"
    assert by_label["Reservations"]["effective_config"]["overridden"] == ["greeting"]


def test_a_previous_holders_call_is_not_counted_nor_shown(world, orders, make_live_call):
    # The number moved to us while the outsider's call on it was still running.
    make_live_call(orders, business=world.foreign.business)
    assert world.client("owner").get(number_url(world, orders)).json()["live_calls"] == 0


def test_list_pages_with_a_cursor(world, make_number):
    for n in range(3):
        make_number(business=world.own.business, label=f"Line {n}")
    client = world.client("staff")
    first = client.get(numbers_url(world), {"page_size": 2}).json()
    assert len(first["results"]) == 2
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert {n["id"] for n in first["results"]}.isdisjoint(n["id"] for n in second["results"])


@pytest.mark.parametrize("cursor", ["garbage", "cD1hYmM=", "cD0lMDA=", "cD0AYQ=="])
def test_a_cursor_we_did_not_give_is_400(world, cursor):
    response = world.client("staff").get(numbers_url(world), {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_manager_sets_label_active_flag_and_greeting(world, orders):
    response = world.client("manager").patch(
        number_url(world, orders),
        {
            "label": "Asporto",
            "is_active": False,
            "config_override": {"greeting": "Pronto, Da Mario!", "language": "en"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["label"] == "Asporto"
    assert body["is_active"] is False
    assert body["config_override"] == {"greeting": "Pronto, Da Mario!", "language": "en"}
    assert body["effective_config"]["greeting"] == "Pronto, Da Mario!"
    orders.refresh_from_db()
    assert orders.config_override == {"greeting": "Pronto, Da Mario!", "language": "en"}
    event = Event.objects.filter(business=world.own.business, type="number.updated").get()
    assert event.payload == {"sip_number_id": orders.pk, "number": orders.number, "label": "Asporto"}


def test_patch_merges_the_override_and_null_clears_a_key(world, orders):
    client = world.client("owner")
    client.patch(number_url(world, orders), {"config_override": {"greeting": "Ciao!", "voice": "nova"}}, format="json")
    response = client.patch(number_url(world, orders), {"config_override": {"greeting": None}}, format="json")
    assert response.status_code == 200
    assert response.json()["config_override"] == {"voice": "nova"}
    assert response.json()["effective_config"]["greeting"] == "Buongiorno!"  # back to the business's


def test_an_empty_patch_changes_nothing_and_announces_nothing(world, orders):
    response = world.client("owner").patch(number_url(world, orders), {}, format="json")
    assert response.status_code == 200
    assert not Event.objects.filter(type="number.updated").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"greeting": "x" * 501}, "'greeting' is too long: at most 500 characters."),
        ({"language": "xx"}, "'language' must be one of"),
        ({"max_call_minutes": 0}, "'max_call_minutes' must be between 1 and 60."),
        ({"transfer_number": "not a phone"}, "'transfer_number' is not a valid phone number."),
        ({"greeting": "Ciao\x00"}, "'greeting' contains characters we cannot store."),
        ({"colour": "red"}, "Unknown key 'colour'"),
        ({"colour": None}, "Unknown key 'colour'"),
        ({"greeting": 12}, "'greeting' is invalid"),
    ],
)
def test_override_refusals_are_the_admins_sentences(world, orders, override, message):
    response = world.client("owner").patch(number_url(world, orders), {"config_override": override}, format="json")
    assert response.status_code == 400
    assert any(message in sentence for sentence in response.json()["config_override"]), response.json()
    orders.refresh_from_db()
    assert orders.config_override == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "x" * 101}, "label"),
        ({"label": 12}, "label"),
        ({"label": "Front\x00desk"}, "label"),
        ({"is_active": "no"}, "is_active"),
        ({"is_active": 0}, "is_active"),
        ({"config_override": "greeting"}, "config_override"),
        ({"config_override": ["greeting"]}, "config_override"),
        ({"number": "+390551111111"}, "number"),
        ({"max_concurrent_calls": 10}, "max_concurrent_calls"),
        ({"business": 99}, "business"),
        ({"business_id": 99}, "business_id"),
    ],
)
def test_patch_refusals_name_the_field(world, orders, body, field):
    response = world.client("owner").patch(number_url(world, orders), body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    orders.refresh_from_db()
    assert (orders.label, orders.business_id, orders.max_concurrent_calls) == ("Orders", world.own.business.pk, 1)


def test_staff_may_read_but_not_change(world, orders):
    client = world.client("staff")
    assert client.get(number_url(world, orders)).status_code == 200
    response = client.patch(number_url(world, orders), {"label": "Mine"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This needs the manager role or above; yours is staff.",
        "code": "role_required",
    }


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_numbers_are_not_created_replaced_deleted_or_reassigned_here(world, orders, method):
    url = numbers_url(world) if method == "post" else number_url(world, orders)
    response = getattr(world.client("owner"), method)(url, {"number": "+390551111111"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert SipNumber.objects.count() == 1
    assert NumberAssignment.objects.get(sip_number=orders).ended_at is None


def test_outsiders_get_404_for_the_list_the_number_and_the_patch(world, orders):
    outsider = world.client("outsider")
    assert outsider.get(numbers_url(world)).status_code == 404
    assert outsider.get(number_url(world, orders)).status_code == 404
    assert outsider.patch(number_url(world, orders), {"label": "Hacked"}, format="json").status_code == 404
    orders.refresh_from_db()
    assert orders.label == "Orders"


def test_an_outsiders_number_under_our_business_is_404(world):
    foreign = world.foreign.number
    response = world.client("owner").patch(number_url(world, foreign), {"label": "Ours now"}, format="json")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.label == "Orders"


def test_stakeholders_use_the_platform_api_not_tenant_urls(world, orders):
    assert world.client("stakeholder").get(numbers_url(world)).status_code == 404


@pytest.mark.parametrize("number_id", ["0", "99999999999999999999", "9" * 5000])
def test_ids_that_cannot_exist_are_404(world, number_id):
    response = world.client("owner").get(f"{numbers_url(world)}{number_id}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
