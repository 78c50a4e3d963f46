"""Access and refresh tokens: what they carry, how they are minted and read.

This is the contract the HTTP API and the staff feed (Channels) share; the names are stable:

- `AccessClaims`: the access token's claims (a TypedDict);
- `decode_access_token(raw) -> AccessClaims`: checks signature, expiry and type, and the claims'
  shape, with no database query; raises `InvalidAccessToken` (and nothing else) for any token
  that is not a valid, unexpired access token (`exc.code`: `token_expired` or `token_not_valid`);
- `claims_role(claims, business_id)`: the role the claims give in a business, or None;
- `role_allows(role, minimum)`: whether a role is at least `minimum` (owner > manager > staff).

Access tokens are never checked against the database: one minted before a revocation (a
token_version bump) keeps working until it expires, at most ACCESS_TOKEN_LIFETIME (15 minutes).
Refresh tokens are checked at every use (accounts.services.tokens_refresh).
"""

from __future__ import annotations

from typing import Literal, TypedDict

from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, Token

from accounts.selectors import UserAccess
from panbot.errors import AuthenticationRefused

Role = Literal["owner", "manager", "staff"]
ROLE_RANK: dict[str, int] = {"staff": 1, "manager": 2, "owner": 3}

# Far longer than any token we mint (a user in a hundred businesses is about 3 KB).
MAX_TOKEN_CHARS = 16 * 1024


class AccessClaims(TypedDict):
    """What an access token carries; enough to authorise a request without a query."""

    token_type: Literal["access"]
    exp: int  # expiry, seconds since the epoch
    iat: int
    jti: str
    user_id: int
    stakeholder: bool  # a Django staff user, active when the token was minted
    memberships: dict[str, Role]  # str(business_id) -> role
    token_version: int


class RefreshClaims(TypedDict):
    """What a refresh token carries: who, and the token version it was minted under."""

    token_type: Literal["refresh"]
    exp: int
    iat: int
    jti: str
    user_id: int
    token_version: int


class InvalidAccessToken(AuthenticationRefused):
    """The only exception `decode_access_token` raises: a malformed, forged or expired token, or not an access one."""


class InvalidRefreshToken(AuthenticationRefused):
    """A refresh token that is malformed, forged, expired or not a refresh token."""


class _RefreshToken(Token):
    # Not SimpleJWT's RefreshToken: its verify() queries the blacklist on every decode;
    # tokens_refresh checks use and reuse itself, race-free, in its own transaction.
    token_type = "refresh"  # noqa: S105 (a claim value, not a secret)
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decode(token_class: type[Token], raw: object, error: type[AuthenticationRefused]) -> dict:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_CHARS:
        raise error("Token is invalid.", code="token_not_valid")
    try:
        payload = token_class(raw).payload  # signature, exp, jti and token_type
    except ExpiredTokenError:
        raise error("Token has expired.", code="token_expired") from None
    except TokenError:
        raise error("Token is invalid.", code="token_not_valid") from None
    if not (_is_int(payload.get("user_id")) and _is_int(payload.get("token_version"))):
        raise error("Token is invalid.", code="token_not_valid")
    return payload


def decode_access_token(raw: str) -> AccessClaims:
    """The claims of a valid, unexpired access token; InvalidAccessToken otherwise. No database query."""
    payload = _decode(AccessToken, raw, InvalidAccessToken)
    memberships = payload.get("memberships")
    well_formed = (
        isinstance(payload.get("stakeholder"), bool)
        and isinstance(memberships, dict)
        and all(isinstance(key, str) and key.isdecimal() and role in ROLE_RANK for key, role in memberships.items())
    )
    if not well_formed:
        raise InvalidAccessToken("Token is invalid.", code="token_not_valid")
    return payload  # type: ignore[return-value]


def decode_refresh_token(raw: str) -> RefreshClaims:
    """The claims of a validly signed, unexpired refresh token (whether it was used or revoked is not checked here)."""
    return _decode(_RefreshToken, raw, InvalidRefreshToken)  # type: ignore[return-value]


def claims_role(claims: AccessClaims, business_id: int | str) -> Role | None:
    """The role `claims` give in business `business_id` (an int, or its digits), or None for an outsider."""
    if isinstance(business_id, bool) or not isinstance(business_id, int | str):
        return None
    return claims["memberships"].get(str(business_id))


def role_allows(role: str | None, minimum: str) -> bool:
    """Whether `role` (None: no role) is at least `minimum`: owner > manager > staff."""
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def mint_access_token(access: UserAccess) -> str:
    """A signed access token carrying `access`'s claims, valid for ACCESS_TOKEN_LIFETIME."""
    token = AccessToken()
    token["user_id"] = access.user_id
    token["stakeholder"] = access.stakeholder
    token["memberships"] = access.memberships
    token["token_version"] = access.token_version
    return str(token)


def mint_refresh_token(access: UserAccess) -> _RefreshToken:
    """A new refresh token for the user at their current token version (the caller records it as outstanding)."""
    token = _RefreshToken()
    token["user_id"] = access.user_id
    token["token_version"] = access.token_version
    return token
