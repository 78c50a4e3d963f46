"""Members: the owner lists, adds existing users, changes roles and removes people; sessions end at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.services import tokens_issue
from restaurants.models import Membership
from restaurants.services import LAST_OWNER, NO_SUCH_USER
from tests.api.world import api_client
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def members_url(world, user_id=None) -> str:
    base = f"/api/v1/businesses/{world.own.business.pk}/members/"
    return base if user_id is None else f"{base}{user_id}/"


def refresh_status(refresh: str) -> tuple[int, str]:
    response = api_client().post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json")
    return response.status_code, response.json().get("code", "")


@pytest.fixture
def newcomer(make_user):
    user = make_user("giulia")
    user.email, user.first_name, user.last_name = "Giulia@Example.com", "Giulia", "Verdi"
    user.save()
    return user


def test_owner_lists_members_with_their_roles(world):
    response = world.client("owner").get(members_url(world))
    assert response.status_code == 200
    rows = {row["username"]: row for row in response.json()["results"]}
    assert {row["role"] for row in rows.values()} == {"owner", "manager", "staff"}
    owner = world.users["owner"]
    assert rows[owner.username] == {
        "user_id": owner.pk, "username": owner.username, "email": "", "first_name": "", "last_name": "",
        "role": "owner",
    }  # fmt: skip
    assert world.users["outsider"].username not in rows


@pytest.mark.parametrize("login", ["giulia", "giulia@example.com", "GIULIA@EXAMPLE.COM"])
def test_owner_adds_an_existing_user_by_username_or_email(world, newcomer, login):
    response = world.client("owner").post(members_url(world), {"user": login, "role": "manager"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "user_id": newcomer.pk, "username": "giulia", "email": "Giulia@Example.com", "first_name": "Giulia",
        "last_name": "Verdi", "role": "manager",
    }  # fmt: skip
    assert Membership.objects.get(user=newcomer, business=world.own.business).role == "manager"


def test_the_added_user_gets_the_business_at_their_next_refresh(world, newcomer):
    pair = tokens_issue(user_id=newcomer.pk)
    world.client("owner").post(members_url(world), {"user": "giulia", "role": "staff"}, format="json")
    response = api_client().post("/api/v1/auth/refresh/", {"refresh": pair.refresh}, format="json")
    assert response.status_code == 200
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert client.get(f"/api/v1/businesses/{world.own.business.pk}/").status_code == 200


@pytest.mark.parametrize("login", ["nobody", "nobody@example.com", "inactive", "shared@example.com"])
def test_adding_someone_who_has_no_account_says_only_that(world, make_user, login):
    inactive = make_user("inactive")
    inactive.is_active = False
    inactive.save()
    for name in ("one", "two"):  # an address two accounts share names nobody
        user = make_user(name)
        user.email = "shared@example.com"
        user.save()
    response = world.client("owner").post(members_url(world), {"user": login, "role": "staff"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"user": [NO_SUCH_USER]}
    assert Membership.objects.filter(business=world.own.business).count() == 3


def test_adding_a_member_twice_is_refused(world):
    staff = world.users["staff"]
    response = world.client("owner").post(members_url(world), {"user": staff.username, "role": "owner"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"user": ["This user is already a member; change their role instead."]}
    assert Membership.objects.get(user=staff, business=world.own.business).role == "staff"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"user": "giulia", "role": "boss"}, "role"), ({"role": "staff"}, "user"), ({"user": 12, "role": "staff"}, "user"),
     ({"user": "giulia", "role": "staff", "business": 1}, "business")],
)  # fmt: skip
def test_bad_bodies_are_400_by_field(world, newcomer, body, field):
    response = world.client("owner").post(members_url(world), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_role_change_ends_that_users_sessions_at_once(world):
    staff = world.users["staff"]
    refresh = world.tokens("staff").refresh
    response = world.client("owner").patch(members_url(world, staff.pk), {"role": "manager"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "manager"
    assert refresh_status(refresh) == (401, "token_revoked")


def test_a_removed_members_refresh_token_stops_working_at_once(world):
    manager = world.users["manager"]
    refresh = world.tokens("manager").refresh
    response = world.client("owner").delete(members_url(world, manager.pk))
    assert response.status_code == 204
    assert not Membership.objects.filter(user=manager, business=world.own.business).exists()
    assert refresh_status(refresh) == (401, "token_revoked")
    # Logging in again gives a token without the business.
    pair = tokens_issue(user_id=manager.pk)
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    assert client.get(f"/api/v1/businesses/{world.own.business.pk}/").status_code == 404


def test_the_last_owner_can_be_neither_demoted_nor_removed(world):
    owner = world.users["owner"]
    client = world.client("owner")
    response = client.patch(members_url(world, owner.pk), {"role": "manager"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": [LAST_OWNER]}
    response = client.delete(members_url(world, owner.pk))
    assert response.status_code == 400
    assert response.json() == {"role": [LAST_OWNER]}
    assert Membership.objects.get(user=owner, business=world.own.business).role == "owner"
    assert refresh_status(world.tokens("owner").refresh)[0] == 200  # nothing changed, nothing revoked


def test_with_a_second_owner_an_owner_may_step_down(world):
    owner, manager = world.users["owner"], world.users["manager"]
    client = world.client("owner")
    assert client.patch(members_url(world, manager.pk), {"role": "owner"}, format="json").status_code == 200
    response = client.patch(members_url(world, owner.pk), {"role": "staff"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "staff"


def test_members_of_another_business_are_not_found_here(world):
    outsider = world.users["outsider"]
    client = world.client("owner")
    assert client.patch(members_url(world, outsider.pk), {"role": "staff"}, format="json").status_code == 404
    assert client.delete(members_url(world, outsider.pk)).status_code == 404
    assert Membership.objects.get(user=outsider).role == "owner"


def test_an_outsider_owner_cannot_see_or_change_members(world, newcomer):
    client = world.client("outsider")
    assert client.get(members_url(world)).status_code == 404
    assert client.post(members_url(world), {"user": "giulia", "role": "owner"}, format="json").status_code == 404
    assert client.delete(members_url(world, world.users["staff"].pk)).status_code == 404
    assert not Membership.objects.filter(user=newcomer).exists()


def test_managers_may_not_manage_members(world, newcomer):
    client = world.client("manager")
    assert client.post(members_url(world), {"user": "giulia", "role": "staff"}, format="json").status_code == 403
    assert client.delete(members_url(world, world.users["staff"].pk)).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(world):
    second = world.users["manager"]
    Membership.objects.filter(user=second).update(role="owner")
    first = world.users["owner"]
    second_client = api_client()
    second_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user_id=second.pk).access}")
    clients = [(world.client("owner"), second), (second_client, first)]  # each demotes the other

    def demote(i: int) -> int:
        client, target = clients[i]
        return client.patch(members_url(world, target.pk), {"role": "staff"}, format="json").status_code

    results = run_concurrently(2, demote)
    assert sorted(value for _, value in results) == [200, 400], results
    owners = Membership.objects.filter(business=world.own.business, role="owner")
    assert owners.count() == 1
    assert get_user_model().objects.filter(pk__in=owners.values("user_id")).count() == 1


def test_the_members_list_is_one_query(world):
    from tests.api.queries import assert_constant_queries
    from tests.api.test_queries import add_members

    assert assert_constant_queries(world.client("owner"), members_url(world), add_members(world))[0] == 1
