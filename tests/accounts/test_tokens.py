"""Token pairs: logging in, lifetimes, rotation, reuse, logout, and the claims the feed and the API trust."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.tokens import InvalidAccessToken, claims_role, decode_access_token, role_allows
from restaurants import services as restaurant_services
from restaurants.models import Membership
from tests.api.world import PASSWORD
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def login(client, username, password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def refresh(client, token):
    return client.post(REFRESH, {"refresh": token}, format="json")


def me(client, access):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.get(ME)
    client.credentials()
    return response


# --- Logging in -----------------------------------------------------------------------------------


def test_login_gives_a_pair_whose_access_token_carries_the_claims(api_client, world):
    owner = world.users["owner"]
    response = login(api_client, owner.username)
    assert response.status_code == 200
    claims = decode_access_token(response.json()["access"])
    assert claims["user_id"] == owner.pk
    assert claims["stakeholder"] is False
    assert claims["memberships"] == {str(world.own.business.pk): "owner"}
    assert claims["token_version"] == 0
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_stakeholder_claim(api_client, world):
    claims = decode_access_token(login(api_client, world.users["stakeholder"].username).json()["access"])
    assert claims["stakeholder"] is True
    assert claims["memberships"] == {}


def test_login_by_email_ignores_case(api_client, make_user):
    user = make_user()
    user.email = "Mario@Example.com"
    user.save()
    assert login(api_client, "mario@example.COM").status_code == 200


def test_an_email_two_users_share_logs_nobody_in(api_client, make_user):
    for user in (make_user(), make_user()):
        user.email = "shared@example.com"
        user.save()
    response = login(api_client, "shared@example.com")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "inactive user"])
def test_refused_logins_are_401(api_client, make_user, case):
    user = make_user()
    if case == "inactive user":
        user.is_active = False
        user.save()
    username = "nobody" if case == "unknown user" else user.username
    response = login(api_client, username, "wrong" if case == "wrong password" else PASSWORD)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "No active account found with the given credentials.",
        "code": "invalid_credentials",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_login_ignores_an_authorization_header(api_client, world):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert login(api_client, world.users["staff"].username).status_code == 200


# --- Lifetimes ------------------------------------------------------------------------------------


def test_access_token_works_for_15_minutes(api_client, world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        access = login(api_client, world.users["staff"].username).json()["access"]
        clock.shift(timedelta(minutes=14, seconds=59))
        assert me(api_client, access).status_code == 200
        clock.shift(timedelta(seconds=2))
        response = me(api_client, access)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_refresh_token_works_for_30_days(api_client, world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        pair = login(api_client, world.users["staff"].username).json()
        clock.shift(timedelta(days=29, hours=23))
        renewed = refresh(api_client, pair["refresh"])
        assert renewed.status_code == 200
        clock.shift(timedelta(days=30, hours=1))  # the renewed one expires 30 days after its own minting
        response = refresh(api_client, renewed.json()["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


# --- Rotation and reuse ---------------------------------------------------------------------------


def test_refresh_rotates_and_reads_claims_afresh(api_client, world, make_business):
    staff = world.users["staff"]
    pair = login(api_client, staff.username).json()
    second = make_business("Pizzeria Due")
    restaurant_services.membership_set(business=second, user=staff, role=Membership.Role.MANAGER)  # no revocation
    response = refresh(api_client, pair["refresh"])
    assert response.status_code == 200
    renewed = response.json()
    assert renewed["refresh"] != pair["refresh"]
    assert decode_access_token(renewed["access"])["memberships"] == {
        str(world.own.business.pk): "staff",
        str(second.pk): "manager",
    }


def test_refresh_reads_user_memberships_and_version_in_one_query(world):
    pair = services.tokens_issue(user_id=world.users["manager"].pk)
    with CaptureQueriesContext(connection) as queries:
        services.tokens_refresh(refresh=pair.refresh)
    reads = [q["sql"] for q in queries if '"auth_user"' in q["sql"] or "restaurants_membership" in q["sql"]]
    assert len(reads) == 1, reads
    assert "restaurants_membership" in reads[0] and "accounts_authstate" in reads[0]


def test_a_reused_refresh_token_ends_every_session(api_client, world):
    owner = world.users["owner"]
    first = login(api_client, owner.username).json()
    other_device = login(api_client, owner.username).json()
    rotated = refresh(api_client, first["refresh"]).json()

    reused = refresh(api_client, first["refresh"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_reused"
    for token in (rotated["refresh"], other_device["refresh"]):
        response = refresh(api_client, token)
        assert response.status_code == 401
        assert response.json()["code"] == "token_revoked"
    assert login(api_client, owner.username).status_code == 200  # logging in again works


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_refreshes_with_one_token_let_one_through(world):
    pair = services.tokens_issue(user_id=world.users["owner"].pk)

    results = run_concurrently(4, lambda _: services.tokens_refresh(refresh=pair.refresh))
    successes = [value for outcome, value in results if outcome == "ok"]
    codes = sorted(value.code for outcome, value in results if outcome == "error")
    assert len(successes) == 1, results
    assert codes == ["token_reused"] * 3
    # The reuse revoked the winner's new pair too: a copy of the token exists somewhere.
    with pytest.raises(services.AuthenticationRefused) as refused:
        services.tokens_refresh(refresh=successes[0].refresh)
    assert refused.value.code == "token_revoked"


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({"refresh": "garbage"}, 401, {"detail": "Token is invalid.", "code": "token_not_valid"}),
        ({"refresh": ""}, 400, {"refresh": ["This field may not be blank."]}),
        ({}, 400, {"refresh": ["This field is required."]}),
        ({"refresh": 12}, 400, {"refresh": ["Not a valid string."]}),
    ],
)
def test_bad_refresh_bodies(api_client, body, status, answer):
    # A body that is not a refresh token is a field error; a token that does not verify is a 401.
    response = api_client.post(REFRESH, body, format="json")
    assert (response.status_code, response.json()) == (status, answer)


def test_tokens_of_the_wrong_type_are_refused(api_client, world):
    pair = login(api_client, world.users["staff"].username).json()
    assert me(api_client, pair["refresh"]).json()["code"] == "token_not_valid"
    assert refresh(api_client, pair["access"]).json()["code"] == "token_not_valid"


def test_a_forged_token_is_refused(api_client, world):
    header, payload, signature = login(api_client, world.users["staff"].username).json()["access"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = me(api_client, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Basic dXNlcjpwdw==", "Bearer \xe9"])
def test_malformed_authorization_headers_are_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


# --- Logout ---------------------------------------------------------------------------------------


def test_logout_revokes_the_refresh_token_and_is_idempotent(api_client, world):
    pair = login(api_client, world.users["staff"].username).json()
    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    response = refresh(api_client, pair["refresh"])
    assert response.status_code == 401
    # The access token lives out its 15 minutes: logout is not a revocation of access tokens.
    assert me(api_client, pair["access"]).status_code == 200


def test_logout_with_a_bad_token_is_401(api_client):
    response = api_client.post(LOGOUT, {"refresh": "garbage"}, format="json")
    assert response.status_code == 401


# --- The contract the feed imports ------------------------------------------------------------------


def test_decode_access_token_makes_no_query(world, django_assert_num_queries):
    access = world.tokens("manager").access
    with django_assert_num_queries(0):
        claims = decode_access_token(access)
    assert claims_role(claims, world.own.business.pk) == "manager"
    assert claims_role(claims, str(world.own.business.pk)) == "manager"
    assert claims_role(claims, world.foreign.business.pk) is None
    assert claims_role(claims, True) is None
    assert role_allows("manager", "staff") and role_allows("manager", "manager")
    assert not role_allows("manager", "owner") and not role_allows(None, "staff")


@pytest.mark.parametrize("raw", ["", "garbage", "a.b.c", None, 12, "x" * 20000])
def test_decode_access_token_raises_one_exception(raw):
    with pytest.raises(InvalidAccessToken) as refused:
        decode_access_token(raw)
    assert refused.value.code == "token_not_valid"


def test_decode_access_token_refuses_expired_and_refresh_tokens(world):
    pair = world.tokens("staff")
    with pytest.raises(InvalidAccessToken) as wrong_type:
        decode_access_token(pair.refresh)
    assert wrong_type.value.code == "token_not_valid"
    with time_machine.travel(timezone.now() + timedelta(minutes=16)), pytest.raises(InvalidAccessToken) as expired:
        decode_access_token(pair.access)
    assert expired.value.code == "token_expired"


def test_expired_refresh_tokens_are_flushed(world):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tasks import flush_expired_tokens

    with time_machine.travel(timezone.now() - timedelta(days=31)):
        old = services.tokens_issue(user_id=world.users["staff"].pk)
    live = services.tokens_issue(user_id=world.users["staff"].pk)
    assert flush_expired_tokens() == 1
    assert flush_expired_tokens() == 0  # idempotent
    assert OutstandingToken.objects.count() == 1
    services.tokens_refresh(refresh=live.refresh)
    with pytest.raises(services.AuthenticationRefused):
        services.tokens_refresh(refresh=old.refresh)
