"""One exception handler for the whole API: every error is JSON.

- A service's `ValidationError` is 400 with its field errors, the same sentences the phone agent
  speaks (`exc.message_dict`; general problems under `non_field_errors`, as DRF's own).
- `panbot.errors.NotFound` is 404 (its own exception, not a ValidationError).
- `panbot.errors.Conflict` (a service refusing what the row's state does not allow) is 409.
- `panbot.errors.AuthenticationRefused` is 401, `panbot.errors.TooManyAttempts` 429 with Retry-After.
- Every other error (401, 403, 404, 405, 409, 413, 415, 429, malformed JSON) is `{"detail", "code"}`.

Views never catch ValidationError themselves: they let it reach this handler.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from panbot.errors import WWW_AUTHENTICATE, AuthenticationRefused, NotFound, TooManyAttempts
from panbot.errors import Conflict as StateConflict


class Conflict(exceptions.APIException):
    """The request is valid but clashes with the resource's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as an API's 400 body: field -> sentences."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, Http404):  # get_object_or_404 names the model; the client needs no more than "not found"
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, NotFound):
        return exceptions.NotFound(" ".join(exc.messages) or None)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(field_errors(exc))
    if isinstance(exc, StateConflict):
        return Conflict(exc.message, code=exc.code)
    if isinstance(exc, AuthenticationRefused):
        return exceptions.AuthenticationFailed(exc.message, code=exc.code)
    if isinstance(exc, TooManyAttempts):
        throttled = exceptions.Throttled(wait=exc.retry_after)  # Retry-After
        throttled.detail = exceptions.ErrorDetail(exc.message, code=throttled.default_code)  # the sentence as is
        return throttled
    return exc


def _code(exc: exceptions.APIException) -> str:
    detail = exc.detail
    return getattr(detail, "code", None) or exc.default_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain errors to HTTP, and `{"detail", "code"}` for everything but 400s."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's handler500 answers (JSON under /api/)
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(exc.detail), "code": _code(exc)}
    elif isinstance(exc, exceptions.ValidationError) and not isinstance(response.data, dict):
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return response


def error_response(status_code: int, detail: str, code: str) -> JsonResponse:
    """An error answered outside DRF (unknown URL, body too large, Django's own 400/403/404/500)."""
    response = JsonResponse({"detail": detail, "code": code}, status=status_code)
    if status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


# --- Shapes for the schema ------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]  # a schema shape, never instantiated with data
    """Every error but a 400: a sentence for people and a code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]  # a schema shape, never instantiated with data
    """A 400: each field with the sentences explaining what is wrong with it.

    General problems are under `non_field_errors`; a nested object's errors nest the same way
    (a list of objects gets a list of error objects). Its schema is in `panbot.api.schema`.
    """
