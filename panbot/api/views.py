"""Errors answered outside DRF, as JSON under /api/ (Django's own error pages are HTML)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from panbot.api.errors import error_response


@csrf_exempt  # any method reaches it; a 404 changes nothing
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    return error_response(404, "There is no API endpoint at this URL.", "not_found")
