"""Token pairs (log in, refresh, log out) and `me`.

The auth endpoints take no access token: the credential is in the body (a password, a refresh token).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import LoginInput, MeOutput, RefreshInput, TokenPairOutput
from accounts.selectors import user_profile
from panbot.api.serializers import parse
from panbot.errors import AuthenticationRefused


class _CredentialView(APIView):
    authentication_classes = []  # an Authorization header is ignored here
    permission_classes = [AllowAny]
    error_statuses = {401: "The refresh token is invalid, expired, revoked or already used (see `code`)."}


class TokenObtainView(_CredentialView):
    error_statuses = {
        401: "Wrong username, e-mail address or password, or an inactive account.",
        429: "Too many failed logins for this username or from this address; wait Retry-After seconds.",
    }

    @extend_schema(
        tags=["auth"],
        summary="Log in: a token pair for a username or e-mail address and password",
        request=LoginInput,
        responses=TokenPairOutput,
    )
    def post(self, request: Request) -> Response:
        data = parse(LoginInput, request)
        pair = services.tokens_obtain(
            login=data["username"],
            password=data["password"],
            client_ip=BaseThrottle().get_ident(request) or "unknown",  # no address: an in-process WSGI call
            request=request._request,
        )
        return Response(TokenPairOutput(pair).data)


class TokenRefreshView(_CredentialView):
    @extend_schema(
        tags=["auth"],
        summary="A new token pair for a refresh token (rotated: the one sent is used up)",
        description=(
            "Claims (memberships, stakeholder flag) are read afresh. A refresh token sent twice ends every "
            "session of its user (code `token_reused`); one minted before a revocation answers `token_revoked`."
        ),
        request=RefreshInput,
        responses=TokenPairOutput,
    )
    def post(self, request: Request) -> Response:
        pair = services.tokens_refresh(refresh=parse(RefreshInput, request)["refresh"])
        return Response(TokenPairOutput(pair).data)


class LogoutView(_CredentialView):
    @extend_schema(
        tags=["auth"],
        summary="Log out: the refresh token can no longer be used",
        description="Idempotent. The pair's access token stays valid until it expires (at most 15 minutes).",
        request=RefreshInput,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        services.refresh_token_revoke(refresh=parse(RefreshInput, request)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(tags=["me"], summary="Who you are and where you work", responses=MeOutput)
    def get(self, request: Request) -> Response:
        profile = user_profile(request.user.id)
        if profile is None:  # deleted or deactivated since the token was minted
            raise AuthenticationRefused("This account is no longer active.", code="user_inactive")
        return Response(MeOutput(profile).data)
