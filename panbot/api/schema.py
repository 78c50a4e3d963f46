"""OpenAPI generation (drf-spectacular): error responses on every operation, and schemas from pydantic models.

`AutoSchema` documents, for each operation, the errors it can answer, from what the view is:

- 401 when it needs a token (any permission but AllowAny);
- what its permission classes declare in `error_statuses` (the tenant permission: 403, 404);
- 404 when its path names an object (`{number_id}`), 400 when it is a cursor-paginated list;
- 400, 413 and 415 when it takes a body;
- whatever the view adds in its own `error_statuses`: a tuple of statuses, or a mapping of
  status to a description of its own (the token endpoint: 401 for wrong credentials, 429).

Operations are tagged by resource: `/businesses/{business_id}/numbers/...` is "numbers".
"""

from __future__ import annotations

import re
from typing import Any

import pydantic
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import Direction
from rest_framework.permissions import AllowAny

from panbot.api.errors import ErrorSerializer, ValidationErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: each field with the sentences saying what is wrong (`non_field_errors` for the whole).",
    401: "No access token, or one that is invalid, expired or of the wrong type.",
    403: "Your role in this business does not allow this operation.",
    404: "Not found; also the answer for a business you are not a member of, and its objects.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is too large.",
    415: "The body is not JSON (send `Content-Type: application/json`).",
    429: "Too many attempts; wait the number of seconds in Retry-After.",
}
_PATH_OBJECT = re.compile(r"\{(?!business_id\})\w+\}")


class AutoSchema(openapi.AutoSchema):
    def get_tags(self) -> list[str]:
        segments = [s for s in self.path.split("/") if s and not s.startswith("{")]
        segments = segments[2:] if segments[:2] == ["api", "v1"] else segments
        if segments and segments[0] == "businesses" and len(segments) > 1:
            segments = segments[1:]
        if segments and segments[0] == "platform" and len(segments) > 1:
            return [f"platform {segments[1]}"]
        return segments[:1] or super().get_tags()

    def _view_error_descriptions(self) -> dict[int, str]:
        declared = getattr(self.view, "error_statuses", ())
        if isinstance(declared, dict):
            return {status: description or ERROR_DESCRIPTIONS[status] for status, description in declared.items()}
        return {status: ERROR_DESCRIPTIONS[status] for status in declared}

    def _error_statuses(self) -> set[int]:
        statuses: set[int] = set(self._view_error_descriptions())
        permissions = self.view.get_permissions()
        if not all(isinstance(permission, AllowAny) for permission in permissions):
            statuses.add(401)
        for permission in permissions:
            statuses.update(getattr(permission, "error_statuses", ()))
        if _PATH_OBJECT.search(self.path):
            statuses.add(404)
        if self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None:
            statuses.update({400, 413, 415})
        if self._is_list_view() and self._get_paginator() is not None:
            statuses.add(400)
        return statuses

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        descriptions = {**ERROR_DESCRIPTIONS, **self._view_error_descriptions()}
        for status in sorted(self._error_statuses()):
            serializer = ValidationErrorSerializer if status == 400 else ErrorSerializer
            response = self._get_response_for_code(serializer, str(status), direction=direction)
            response["description"] = descriptions[status]
            if status == 429:
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
                }
            responses.setdefault(str(status), response)
        return responses


class ValidationErrorScheme(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "description": (ValidationErrorSerializer.__doc__ or "").split("\n\n")[0],
            "additionalProperties": {},
            "example": {"label": ["Ensure this field has no more than 100 characters."]},
        }


def pydantic_openapi(model: type[pydantic.BaseModel], *, null_means: str | None = None) -> dict[str, Any]:
    """An OpenAPI 3.0 object schema for a pydantic model whose keys are all optional.

    The model stays the one definition of the keys and their limits: the schema follows it.
    With `null_means` (what sending null for a key does), every key is also `nullable`.
    """
    source = model.model_json_schema()
    properties = {}
    for name, spec in source["properties"].items():
        choices = [branch for branch in spec.get("anyOf", [spec]) if branch.get("type") != "null"]
        prop = dict(choices[0]) if len(choices) == 1 else {"oneOf": choices}
        if null_means is not None:
            prop.update(nullable=True, description=null_means)
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if source.get("additionalProperties") is False:
        schema["additionalProperties"] = False
    if source.get("description"):
        schema["description"] = source["description"]
    return schema
