"""Every error under /api/ is JSON: bad bodies are 400s (413 when too large), never a 500 or an HTML page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import path

from panbot.api.errors import api_exception_handler, field_errors
from panbot.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def patch_url(world):
    return f"/api/v1/businesses/{world.own.business.pk}/numbers/{world.own.number.pk}/"


def send(client, url, body: bytes, content_type="application/json"):
    return client.generic("PATCH", url, body, content_type=content_type)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if status != 400:
        assert set(body) == {"detail", "code"}, body
        if code:
            assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "body",
    [
        b'{"label": ',
        b"{'label': 'x'}",
        b'{"label": NaN}',
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"label": ' + b"[" * 30 + b"]" * 30 + b"}",
        b'{"label": "\\ud800"}',
    ],
    ids=["truncated", "single quotes", "NaN", "not utf-8", "deep", "deeper than 20", "lone surrogate"],
)
def test_malformed_json_is_400_parse_error(world, patch_url, body):
    assert_error(send(world.client("owner"), patch_url, body), 400)


def test_a_body_that_is_not_an_object_is_400(world, patch_url):
    body = assert_error(send(world.client("owner"), patch_url, b'["label"]'), 400)
    assert "non_field_errors" in body


def test_a_huge_body_is_413_before_anything_reads_it(world, patch_url, settings):
    big = b'{"label": "' + b"x" * (settings.API_MAX_BODY_BYTES + 1) + b'"}'
    assert_error(send(world.client("owner"), patch_url, big), 413, "request_too_large")


async def test_a_body_without_a_declared_length_is_measured_as_received(settings):
    # A chunked request declares no Content-Length; under ASGI the view would still get the whole body.
    from asgiref.testing import ApplicationCommunicator
    from django.core.handlers.asgi import ASGIHandler

    url = "/api/v1/auth/token/"
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": url, "raw_path": url.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    app = ApplicationCommunicator(ASGIHandler(), scope)
    big = b'{"username": "' + b"x" * (settings.API_MAX_BODY_BYTES + 1) + b'", "password": "x"}'
    await app.send_input({"type": "http.request", "body": big, "more_body": False})
    start = await app.receive_output(10)
    body = await app.receive_output(10)
    assert start["status"] == 413
    assert (b"Content-Type", b"application/json") in start["headers"]
    assert b'"request_too_large"' in body["body"]


def test_form_posts_are_415(world, patch_url):
    response = send(world.client("owner"), patch_url, b"label=x", "application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_a_nul_in_the_url_is_400(world):
    response = world.client("owner").get(f"/api/v1/businesses/{world.own.business.pk}/numbers/", {"cursor": "\x00"})
    assert_error(response, 400, "null_characters_not_allowed")


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v1/me", "/api/v2/me/", "/api/", "/api/v1/businesses/x/"])
def test_unknown_api_urls_are_json_404s_even_with_debug(client, url, settings):
    settings.DEBUG = True
    assert_error(client.get(url), 404, "not_found")
    assert_error(client.post(url, {}), 404, "not_found")


def test_options_is_405(world):
    response = world.client("owner").options(f"/api/v1/businesses/{world.own.business.pk}/numbers/")
    assert_error(response, 405, "method_not_allowed")


def test_html_is_not_on_offer(world):
    response = world.client("owner").get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert_error(response, 406, "not_acceptable")


# --- The exception handler ------------------------------------------------------------------------


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/boom/", _boom)]
handler500 = "panbot.views.server_error"


def test_service_validation_errors_are_400_field_errors_with_general_ones_under_non_field_errors():
    exc = ValidationError({"__all__": ["We are not taking orders right now."], "phone": ["Say the number again."]})
    assert field_errors(exc) == {
        "non_field_errors": ["We are not taking orders right now."],
        "phone": ["Say the number again."],
    }
    assert field_errors(ValidationError("One sentence.")) == {"non_field_errors": ["One sentence."]}
    response = api_exception_handler(exc, {})
    assert response.status_code == 400


def test_not_found_is_404_although_it_is_a_validation_error():
    response = api_exception_handler(NotFound("Item 42 is not on our menu."), {})
    assert response.status_code == 404
    assert response.data == {"detail": "Item 42 is not on our menu.", "code": "not_found"}


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_bug_under_api_is_a_json_500(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/boom/")
    assert_error(response, 500, "server_error")
