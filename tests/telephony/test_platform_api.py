"""The platform API's numbers, trunks and live calls: stakeholders only, through the admin's services."""

from __future__ import annotations

import pytest

from panbot.errors import Conflict
from telephony import services
from telephony.models import NumberAssignment, PbxTrunk, SipNumber

pytestmark = pytest.mark.django_db

NUMBERS = "/api/v1/platform/numbers/"
TRUNKS = "/api/v1/platform/trunks/"
LIVE = "/api/v1/platform/calls/live/"


def number_url(number, action=""):
    return f"{NUMBERS}{number.pk}/{action + '/' if action else ''}"


@pytest.fixture
def platform(world):
    return world.client("stakeholder")


def history(number):
    return list(
        NumberAssignment.objects.filter(sip_number=number)
        .order_by("assigned_at", "pk")
        .values_list("business_id", "assigned_by_id", "ended_by_id")
    )


@pytest.mark.parametrize("url", [NUMBERS, TRUNKS, LIVE, "/api/v1/platform/businesses/"])
@pytest.mark.parametrize("persona", ["owner", "manager", "staff", "outsider"])
def test_the_platform_api_is_403_for_everyone_but_stakeholders(world, url, persona):
    response = world.client(persona).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_stakeholder_has_no_standing_under_a_business(world):
    response = world.client("stakeholder").get(f"/api/v1/businesses/{world.own.business.pk}/calls/live/")
    assert response.status_code == 404


# --- numbers --------------------------------------------------------------------------------------


def test_numbers_across_tenants_with_holders_and_live_calls(world, platform, make_number, make_live_call, stakeholder):
    ours, theirs = world.own.number, make_number(business=world.foreign.business, label="Sushi")
    pool = make_number(label="Spare")
    make_live_call(ours)
    make_live_call(ours)
    make_live_call(theirs)
    by_id = {n["id"]: n for n in platform.get(NUMBERS).json()["results"]}
    assert set(by_id) == {ours.pk, theirs.pk, pool.pk}
    assert by_id[ours.pk]["business"] == {"id": world.own.business.pk, "name": "Trattoria Da Mario"}
    assert by_id[ours.pk]["live_calls"] == 2 and by_id[theirs.pk]["live_calls"] == 1
    assert by_id[ours.pk]["assigned_by"] == stakeholder.username  # who made the world's numbers
    assert by_id[pool.pk]["business"] is None and by_id[pool.pk]["assigned_at"] is None


def test_numbers_filters(world, platform, make_number):
    ours = world.own.number
    theirs = make_number("+390557654321", business=world.foreign.business, label="Sushi")
    pool = make_number(label="Spare")
    off = make_number(label="Old line", is_active=False)

    def ids(**params):
        response = platform.get(NUMBERS, params)
        assert response.status_code == 200, response.content
        return {n["id"] for n in response.json()["results"]}

    assert ids(business=world.foreign.business.pk) == {theirs.pk}
    assert ids(assigned="false") == {pool.pk, off.pk}
    assert ids(assigned="true") == {ours.pk, theirs.pk}
    assert ids(active="false") == {off.pk}
    assert ids(search="055 765 4321") == {theirs.pk}  # typed as people type it
    assert ids(search="7654321") == {theirs.pk}
    assert ids(search="spare") == {pool.pk}
    assert ids(search="sushi zen") == {theirs.pk}  # the holder's name


@pytest.mark.parametrize(
    ("params", "field"), [({"active": "maybe"}, "active"), ({"business": "x"}, "business"), ({"search": "x" * 101},
                                                                                            "search")]
)  # fmt: skip
def test_a_bad_numbers_filter_is_a_400_naming_it(platform, params, field):
    response = platform.get(NUMBERS, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_create_a_number_typed_as_people_type_it_into_the_pool(platform):
    response = platform.post(NUMBERS, {"number": "055 765 4321", "label": "New line"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "+390557654321"
    assert body["business"] is None and body["live_calls"] == 0
    assert SipNumber.objects.get(pk=body["id"]).number == "+390557654321"


def test_create_a_number_for_a_business_records_who_assigned_it(world, platform):
    payload = {"number": "+39 055 765 4321", "business": world.own.business.pk, "max_concurrent_calls": 2,
               "config_override": {"greeting": "Pronto!"}}  # fmt: skip
    body = platform.post(NUMBERS, payload, format="json").json()
    number = SipNumber.objects.get(pk=body["id"])
    assert body["business"]["id"] == world.own.business.pk
    assert body["assigned_by"] == world.users["stakeholder"].username
    assert (number.max_concurrent_calls, number.config_override) == (2, {"greeting": "Pronto!"})
    assert history(number) == [(world.own.business.pk, world.users["stakeholder"].pk, None)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "12"}, "number"),
        ({"number": "+390551234567"}, "number"),  # already on the platform (below)
        ({"number": "055 765 4321", "business": 10**9}, "business"),
        ({"number": "055 765 4321", "trunk": 10**9}, "trunk"),
        ({"number": "055 765 4321", "max_concurrent_calls": 0}, "max_concurrent_calls"),
        ({"number": "055 765 4321", "config_override": {"colour": "red"}}, "config_override"),
        ({"number": "055 765 4321", "is_active": "yes"}, "is_active"),
        ({"number": "055 765 4321", "assigned_at": "2026-01-01T00:00:00Z"}, "assigned_at"),
    ],
)
def test_a_refused_number_is_a_400_naming_the_field_and_nothing_is_created(platform, make_number, payload, field):
    make_number("+390551234567")
    before = SipNumber.objects.count()
    response = platform.post(NUMBERS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert SipNumber.objects.count() == before


def test_update_label_active_limit_trunk_and_override_key_by_key(world, platform, stakeholder):
    number = world.own.number
    services.number_update(sip_number=number, by=stakeholder, config_override={"greeting": "Ciao", "voice": "nova"})
    trunk = world.own.trunk
    response = platform.patch(
        number_url(number),
        {"label": "Front", "is_active": False, "max_concurrent_calls": 5, "trunk": trunk.pk,
         "config_override": {"greeting": None, "language": "en"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["label"], body["is_active"], body["max_concurrent_calls"]) == ("Front", False, 5)
    assert body["trunk"] == {"id": trunk.pk, "name": trunk.name}
    assert body["config_override"] == {"voice": "nova", "language": "en"}
    assert platform.patch(number_url(number), {"trunk": None}, format="json").json()["trunk"] is None
    assert platform.patch(number_url(number), {"max_concurrent_calls": 501}, format="json").status_code == 400


def test_assign_from_the_pool_writes_the_history(world, platform, make_number):
    number = make_number(label="Spare")
    response = platform.post(number_url(number, "assign"), {"business": world.foreign.business.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["business"]["id"] == world.foreign.business.pk
    assert history(number) == [(world.foreign.business.pk, world.users["stakeholder"].pk, None)]


def test_assign_to_its_holder_is_a_no_op(world, platform):
    number = world.own.number
    before = history(number)
    response = platform.post(number_url(number, "assign"), {"business": world.own.business.pk}, format="json")
    assert response.status_code == 200
    assert history(number) == before


def test_assign_refuses_a_number_another_business_holds_and_changes_nothing(world, platform):
    number = world.own.number
    before = history(number)
    response = platform.post(number_url(number, "assign"), {"business": world.foreign.business.pk}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This number already answers for Trattoria Da Mario; reassign it to move it to Sushi Zen.",
        "code": "number_assigned",
    }
    number.refresh_from_db()
    assert number.business_id == world.own.business.pk
    assert history(number) == before


def test_reassign_ends_the_previous_assignment_and_starts_a_new_one(world, platform, stakeholder):
    number = world.own.number
    response = platform.post(number_url(number, "reassign"), {"business": world.foreign.business.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["business"]["id"] == world.foreign.business.pk
    me = world.users["stakeholder"].pk
    assert history(number) == [(world.own.business.pk, stakeholder.pk, me), (world.foreign.business.pk, me, None)]


def test_unassign_returns_the_number_to_the_pool_and_is_idempotent(world, platform, stakeholder):
    number = world.own.number
    for _ in range(2):
        response = platform.post(number_url(number, "unassign"), format="json")
        assert response.status_code == 200
        assert response.json()["business"] is None
    assert history(number) == [(world.own.business.pk, stakeholder.pk, world.users["stakeholder"].pk)]
    assert platform.post(number_url(number, "unassign"), {"business": 1}, format="json").status_code == 400


@pytest.mark.parametrize("action", ["assign", "reassign"])
def test_assigning_to_an_unknown_business_is_a_400(platform, make_number, action):
    response = platform.post(number_url(make_number(), action), {"business": 10**9}, format="json")
    assert response.status_code == 400
    assert response.json() == {"business": ["There is no business with this id."]}


def test_an_unknown_number_is_404(platform):
    assert platform.post(f"{NUMBERS}999999999/unassign/", format="json").status_code == 404
    assert platform.patch(f"{NUMBERS}999999999/", {"label": "x"}, format="json").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_simultaneous_assigns_of_a_pool_number_give_it_to_exactly_one_business(make_business, make_number, stakeholder):
    from tests.concurrency import run_concurrently

    number = make_number(label="Spare")
    businesses = [make_business() for _ in range(6)]
    results = run_concurrently(
        len(businesses),
        lambda i: services.number_assign(sip_number=number, business=businesses[i], by=stakeholder,
                                         only_from_pool=True),
    )  # fmt: skip
    won = [result for outcome, result in results if outcome == "ok"]
    lost = [result for outcome, result in results if outcome == "error"]
    assert len(won) == 1, results
    assert all(isinstance(exc, Conflict) for exc in lost), lost
    number.refresh_from_db()
    assert number.business_id == won[0].business_id
    assert NumberAssignment.objects.filter(sip_number=number).count() == 1


# --- trunks ---------------------------------------------------------------------------------------


def test_create_a_trunk_with_its_addresses_normalised_as_in_the_admin(platform):
    payload = {"name": "Yeastar P550", "allowed_addresses": [" 198.51.100.7 ", "10.20.0.0/24", "198.51.100.7"],
               "default_region": "IT"}  # fmt: skip
    response = platform.post(TRUNKS, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["allowed_addresses"] == ["198.51.100.7/32", "10.20.0.0/24"]
    assert body["numbers"] == 0 and body["livekit_trunk_id"] == "" and body["is_active"] is True
    assert PbxTrunk.objects.get(pk=body["id"]).allowed_addresses == ["198.51.100.7/32", "10.20.0.0/24"]


def test_a_trunk_with_bad_addresses_is_refused_with_every_problem_named(platform):
    payload = {"name": "PBX", "allowed_addresses": ["10.20.0.1/24", "nonsense", "10.0.0.0/8"]}
    response = platform.post(TRUNKS, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "allowed_addresses": [
            "'10.20.0.1/24' has host bits set; did you mean 10.20.0.0/24?",
            "'nonsense' is not an IP address or CIDR block (e.g. 203.0.113.10 or 10.0.0.0/24).",
        ]
    }
    assert not PbxTrunk.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "PBX", "allowed_addresses": "10.0.0.1"}, "allowed_addresses"),
        ({"name": "PBX", "allowed_addresses": [], "default_region": "XX"}, "default_region"),
        ({"name": "", "allowed_addresses": []}, "name"),
        ({"name": "PBX a", "allowed_addresses": [], "livekit_trunk_id": "ST_x"}, "livekit_trunk_id"),
    ],
)
def test_a_refused_trunk_is_a_400_naming_the_field(platform, payload, field):
    response = platform.post(TRUNKS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_a_trunk_name_is_unique(world, platform):
    response = platform.post(TRUNKS, {"name": world.own.trunk.name, "allowed_addresses": []}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_update_a_trunk_and_list_trunks_with_their_numbers(world, platform, make_number):
    trunk = world.own.trunk
    make_number(trunk=trunk)
    response = platform.patch(f"{TRUNKS}{trunk.pk}/", {"allowed_addresses": ["10.0.0.0/8"], "is_active": False},
                              format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["allowed_addresses"], response.json()["is_active"]) == (["10.0.0.0/8"], False)
    assert (
        platform.patch(f"{TRUNKS}{trunk.pk}/", {"allowed_addresses": ["10.0.0.1/8"]}, format="json").status_code == 400
    )
    trunk.refresh_from_db()
    assert trunk.allowed_addresses == ["10.0.0.0/8"]
    [listed] = platform.get(TRUNKS).json()["results"]
    assert (listed["id"], listed["numbers"]) == (trunk.pk, 1)


# --- live calls across tenants --------------------------------------------------------------------


def test_live_calls_across_tenants_and_for_one(world, platform, make_number, make_live_call):
    ours = make_live_call(world.own.number, caller="+393331110000")
    theirs = make_live_call(make_number(business=world.foreign.business, label="Sushi"))
    results = platform.get(LIVE).json()["results"]
    assert [c["id"] for c in results] == [ours.call_record_id, theirs.call_record_id]
    assert results[0]["business"] == {"id": world.own.business.pk, "name": "Trattoria Da Mario"}
    assert results[0]["number"]["label"] == "Orders" and results[0]["caller"] == "+393331110000"
    assert results[1]["number"]["label"] == "Sushi"
    only = platform.get(LIVE, {"business": world.foreign.business.pk}).json()["results"]
    assert [c["id"] for c in only] == [theirs.call_record_id]
    assert platform.get(LIVE, {"business": "x"}).status_code == 400
