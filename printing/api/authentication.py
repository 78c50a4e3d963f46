"""Print agents authenticate with their device token: `Authorization: Device <token>` (one query, by its hash)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from printing.models import PrintAgent
from printing.services import print_agent_authenticate


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = b"device"

    def authenticate(self, request: Any) -> tuple[AnonymousUser, PrintAgent] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The header must be 'Device <token>'.", code="bad_authorization_header"
            )
        agent = print_agent_authenticate(header[1].decode("ascii", errors="replace"))
        if agent is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked device token.", code="device_token_not_valid")
        return AnonymousUser(), agent

    def authenticate_header(self, request: Any) -> str:
        return 'Device realm="print-agent"'


class IsPrintAgent(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, PrintAgent)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A print agent's device token: `Device <token>` (made with `manage.py print_agent_token`).",
        }
