"""The dashboard's cookie session (dashboard/session.py): what the cookie is, and what a forged or stale
request gets."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from accounts import services
from accounts.tokens import decode_access_token
from dashboard.session import COOKIE_NAME, COOKIE_PATH

LOGIN, REFRESH, LOGOUT = "/app/session/login/", "/app/session/refresh/", "/app/session/logout/"
HEADERS = {"HTTP_X_PANBOT_SESSION": "1"}


_addresses = itertools.count(1)


@pytest.fixture
def client() -> Client:
    """A browser of its own address: the login throttle counts failures per address too."""
    return Client(REMOTE_ADDR=f"10.9.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}")


@pytest.fixture
def owner(business, member):
    return member(business, "owner")


def _post(client: Client, path: str, body: dict | None = None, **extra):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **{**HEADERS, **extra})


def _login(client: Client, user) -> dict:
    response = _post(client, LOGIN, {"username": user.username, "password": "pw-for-tests-only"})
    assert response.status_code == 200, response.content
    return response.json()


def test_signing_in_sets_an_httponly_strict_cookie_and_returns_only_the_access_token(client, owner, business):
    body = _login(client, owner)
    assert set(body) == {"access"}
    assert decode_access_token(body["access"])["memberships"] == {str(business.pk): "owner"}
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == COOKIE_PATH
    assert cookie["secure"] is True  # the default when DEBUG is off
    assert int(cookie["max-age"]) == 30 * 24 * 3600


def test_the_cookie_is_not_secure_only_when_told(client, owner, settings):
    settings.DASHBOARD_REFRESH_COOKIE_SECURE = False
    _login(client, owner)
    assert client.cookies[COOKIE_NAME]["secure"] == ""


def test_the_cookie_buys_access_tokens_many_times_without_being_used_up(client, owner):
    _login(client, owner)
    first = client.cookies[COOKIE_NAME].value
    for _ in range(3):
        response = _post(client, REFRESH)
        assert response.status_code == 200
        assert decode_access_token(response.json()["access"])["user_id"] == owner.pk
    assert client.cookies[COOKIE_NAME].value == first


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_X_PANBOT_SESSION": ""},  # no session header: a plain form or image can send nothing else
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
    ],
)
def test_a_request_another_site_could_forge_is_refused(client, owner, extra):
    _login(client, owner)
    response = _post(client, REFRESH, **extra)
    assert response.status_code == 403
    assert "access" not in response.json()


def test_a_form_encoded_post_is_refused_even_with_the_cookie(client, owner):
    _login(client, owner)
    response = client.post(REFRESH, {"x": "1"}, **HEADERS)
    assert response.status_code == 403


def test_a_same_origin_request_is_accepted(client, owner):
    _login(client, owner)
    assert _post(client, REFRESH, HTTP_ORIGIN="http://testserver").status_code == 200


def test_without_the_cookie_there_is_no_access_token(client):
    response = _post(client, REFRESH)
    assert response.status_code == 401
    assert response.json()["code"] == "not_signed_in"


def test_a_wrong_password_is_a_401_and_sets_no_cookie(client, owner):
    response = _post(client, LOGIN, {"username": owner.username, "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert COOKIE_NAME not in client.cookies


def test_bad_input_is_a_400_with_field_errors(client):
    response = _post(client, LOGIN, {"username": "someone"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_repeated_failures_are_throttled_like_the_api(client, owner):
    for _ in range(5):
        _post(client, LOGIN, {"username": owner.username, "password": "wrong"})
    response = _post(client, LOGIN, {"username": owner.username, "password": "pw-for-tests-only"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_signing_out_revokes_the_token_and_clears_the_cookie(client, owner):
    _login(client, owner)
    stolen = client.cookies[COOKIE_NAME].value
    response = _post(client, LOGOUT)
    assert response.status_code == 204
    assert client.cookies[COOKIE_NAME].value == ""
    other = Client(REMOTE_ADDR="10.8.0.1")
    other.cookies[COOKIE_NAME] = stolen
    response = _post(other, REFRESH)
    assert response.status_code == 401
    assert other.cookies[COOKIE_NAME].value == ""  # a dead cookie is dropped


def test_a_revocation_ends_the_cookie_session(client, owner):
    _login(client, owner)
    services.token_version_bump(user_id=owner.pk)  # a role change, password change, deactivation...
    response = _post(client, REFRESH)
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_a_token_the_api_rotated_away_no_longer_opens_the_dashboard(client, owner, api_client):
    _login(client, owner)
    refresh = client.cookies[COOKIE_NAME].value
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json").status_code == 200
    response = _post(client, REFRESH)
    assert response.status_code == 401
