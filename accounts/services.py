"""Account state changes: token pairs (issue, rotate, revoke), token versions, and the user changes that revoke.

Revocation: every refresh token carries the user's `token_version`. Bumping it
(`token_version_bump`) makes all of that user's refresh tokens fail at their next use; access
tokens are never checked against the database and die within ACCESS_TOKEN_LIFETIME. These
bump it: a role change or removal of a membership (restaurants.services), deactivating a user,
changing a user's stakeholder or superuser flag or password (`user_save`, `user_password_set`),
and a refresh token used twice (`tokens_refresh`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import throttling
from accounts.models import AuthState
from accounts.selectors import UserAccess, user_access
from accounts.tokens import RefreshClaims, decode_refresh_token, mint_access_token, mint_refresh_token
from panbot.errors import AuthenticationRefused
from panbot.events import announce_revocation


@dataclasses.dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# --- Token versions -------------------------------------------------------------------------------


@transaction.atomic
def token_version_bump(*, user_id: int) -> None:
    """Revoke every refresh token of the user (their access tokens expire on their own)."""
    AuthState.objects.get_or_create(user_id=user_id)
    AuthState.objects.filter(user_id=user_id).update(token_version=F("token_version") + 1)
    # The row is locked by the update until commit: this reads our own new version.
    version = AuthState.objects.filter(user_id=user_id).values_list("token_version", flat=True).get()
    # Their open live-feed sockets close on commit (the feed makes no query per message to learn it).
    announce_revocation(user_id=user_id, token_version=version)


# Changes to a user that must end their sessions: they lose access, or a stolen password stops working.
_REVOKING_FIELDS = ("password", "is_staff", "is_superuser")


@transaction.atomic
def user_save(*, user: Any) -> Any:
    """Create or update a user as edited (admin forms, seeding); revoke their tokens when the change calls for it.

    Revoking: deactivation, a changed password, a changed stakeholder (is_staff) or superuser flag.
    """
    previous = None
    if user.pk is not None:
        previous = (
            get_user_model()
            .objects.select_for_update()
            .filter(pk=user.pk)
            .values(*_REVOKING_FIELDS, "is_active")
            .first()
        )
    user.save()
    if previous is not None:
        deactivated = previous["is_active"] and not user.is_active
        if deactivated or any(previous[field] != getattr(user, field) for field in _REVOKING_FIELDS):
            token_version_bump(user_id=user.pk)
    return user


@transaction.atomic
def user_password_set(*, user: Any, password: str | None) -> Any:
    """Set the user's password (None: an unusable one, no password login) and revoke their tokens."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    return user_save(user=user)


# --- Token pairs ----------------------------------------------------------------------------------


@transaction.atomic
def tokens_issue(*, user_id: int) -> TokenPair:
    """A token pair for the user as they are now (no password check: callers have authenticated them)."""
    access = user_access(user_id)
    if access is None or not access.is_active:
        raise AuthenticationRefused("This account is no longer active.", code="user_inactive")
    return _issue(access)


def _issue(access: UserAccess) -> TokenPair:
    refresh = mint_refresh_token(access)
    OutstandingToken.objects.create(
        user_id=access.user_id,
        jti=refresh["jti"],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return TokenPair(access=mint_access_token(access), refresh=str(refresh))


def tokens_obtain(*, login: str, password: str, client_ip: str, request: Any = None) -> TokenPair:
    """Log in with a username or an e-mail address: a fresh token pair.

    Raises AuthenticationRefused (wrong credentials, inactive user) or TooManyAttempts (the
    login or the client address had LOGIN_FAILURE_LIMIT failures in the window). Only failures count.
    """
    with throttling.login_attempt(login=login, client_ip=client_ip):
        user = authenticate(request, username=login, password=password)
        if user is None:
            raise AuthenticationRefused(
                "No active account found with the given credentials.", code="invalid_credentials"
            )
    return tokens_issue(user_id=user.pk)


def tokens_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token: a new pair with claims read afresh (one query), the old refresh token used up.

    Refused (AuthenticationRefused) when the token is invalid or expired, the user is gone or
    inactive, the user's token_version moved on (revoked), or the token was already used: a
    reused refresh token means a copy exists, so it revokes all of the user's refresh tokens.
    """
    claims = decode_refresh_token(refresh)
    with transaction.atomic():
        outcome = _rotate(claims)
    if isinstance(outcome, AuthenticationRefused):
        raise outcome  # after the commit: a reuse's revocation must stay
    return outcome


def _rotate(claims: RefreshClaims) -> TokenPair | AuthenticationRefused:
    access = user_access(claims["user_id"])  # user, memberships and token version: the one query
    if access is None or not access.is_active:
        return AuthenticationRefused("This account is no longer active.", code="user_inactive")
    if access.token_version != claims["token_version"]:
        return AuthenticationRefused("This session was ended; log in again.", code="token_revoked")
    outstanding = OutstandingToken.objects.filter(jti=claims["jti"]).only("pk").first()
    if outstanding is None:  # never issued here (or long expired and flushed)
        return AuthenticationRefused("Token is invalid.", code="token_not_valid")
    try:
        with transaction.atomic():  # the unique token_id decides a race between two uses
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        token_version_bump(user_id=access.user_id)
        return AuthenticationRefused(
            "This refresh token was already used, so every session of this account was ended; log in again.",
            code="token_reused",
        )
    return _issue(access)


def access_token_for_session(*, refresh: str) -> str:
    """An access token for a refresh token that stays usable (the dashboard's cookie session; not rotated).

    Refused (AuthenticationRefused) exactly when `tokens_refresh` would refuse it: invalid or expired,
    the user gone or inactive, revoked (token_version), logged out or already used. It does not use the
    token up: a page load whose answer is lost (navigation, a kitchen tablet's Wi-Fi) must not look like a
    stolen token and end every session of the user, as a rotated token sent twice does. Two queries.
    """
    claims = decode_refresh_token(refresh)
    access = user_access(claims["user_id"])
    if access is None or not access.is_active:
        raise AuthenticationRefused("This account is no longer active.", code="user_inactive")
    if access.token_version != claims["token_version"]:
        raise AuthenticationRefused("This session was ended; log in again.", code="token_revoked")
    usable = OutstandingToken.objects.filter(jti=claims["jti"], blacklistedtoken__isnull=True).exists()
    if not usable:
        raise AuthenticationRefused("This session was ended; log in again.", code="token_not_valid")
    return mint_access_token(access)


@transaction.atomic
def refresh_token_revoke(*, refresh: str) -> None:
    """Log out: the refresh token can no longer be used (idempotent). Raises AuthenticationRefused for a bad token."""
    claims = decode_refresh_token(refresh)
    outstanding = OutstandingToken.objects.filter(jti=claims["jti"]).only("pk").first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


@transaction.atomic
def tokens_flush_expired() -> int:
    """Forget refresh tokens past their expiry (refused on decode anyway); how many went. Idempotent."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
