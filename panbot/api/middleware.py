"""Limits on what reaches the API: body size, and characters no database column can hold in the URL."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from panbot.api.errors import error_response

API_PREFIX = "/api/"


class ApiRequestLimits:
    """Refuse an /api/ request whose body exceeds API_MAX_BODY_BYTES (413) or whose URL carries a NUL (400).

    DRF's JSON parser reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    never applies to it: the limit is checked here, on the declared length first and then on
    the body actually received (a chunked request declares none).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.API_MAX_BODY_BYTES
        too_large = error_response(413, f"The request body is larger than {limit} bytes.", "request_too_large")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large
        try:
            body = request.body  # read once here; DRF parses this copy
        except RequestDataTooBig:
            return too_large
        if len(body) > limit:
            return too_large
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return error_response(400, "The URL contains characters we cannot store.", "null_characters_not_allowed")
        return None
