"""Stateless authentication for DRF: the user and their roles come from the access token's claims, no query."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.models import TokenUser

from accounts.tokens import AccessClaims, InvalidAccessToken, decode_access_token
from panbot.errors import WWW_AUTHENTICATE


class ClaimsUser(TokenUser):
    """`request.user` of an API request: the token's claims, not a database row.

    `id`/`pk` are the user's id; `is_staff` is the stakeholder claim; `claims` are the AccessClaims.
    A service that records who acted as a foreign key needs the row:
    `restaurants.api.tenancy.acting_user(request)` loads it once.
    """

    def __init__(self, claims: AccessClaims) -> None:
        super().__init__(claims)
        self.claims = claims

    @property
    def is_staff(self) -> bool:  # type: ignore[override]
        return self.claims["stakeholder"]

    @property
    def is_superuser(self) -> bool:  # type: ignore[override]
        return False  # never granted from a token


class ClaimsAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <access token>`; `request.auth` is the AccessClaims. No database query."""

    keyword = b"bearer"

    def authenticate(self, request: Any) -> tuple[ClaimsUser, AccessClaims] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None  # no token: anonymous (IsAuthenticated answers 401)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'.", code="bad_authorization_header"
            )
        try:
            claims = decode_access_token(header[1].decode("ascii"))
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Token is invalid.", code="token_not_valid") from None
        except InvalidAccessToken as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from None
        return ClaimsUser(claims), claims

    def authenticate_header(self, request: Any) -> str:
        return WWW_AUTHENTICATE


class ClaimsAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ClaimsAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /api/v1/auth/token/ (15 minutes; renew with /auth/refresh/).",
        }
