"""The dashboard's sign-in session: the refresh token in a cookie the page's script never sees.

The access token (15 minutes) lives in the page's memory only; the refresh token (30 days) lives in an
HttpOnly, SameSite=Strict cookie scoped to these endpoints' path (Secure unless DEBUG). These three views
wrap the API's token services; they add no second way in.

Every page load trades the cookie for an access token, so the cookie's token is not rotated here
(`access_token_for_session`): a lost answer would otherwise leave the browser with a used-up token whose
next use the API treats as theft, ending every session of the user. Signing out, a password or role change
and deactivation still end it at once; after 30 days the user signs in again.

Why a forged cross-site request gets nothing (README "Dashboard" says the same):
- SameSite=Strict: the browser attaches the cookie only to requests started by our own pages.
- Each endpoint demands `Content-Type: application/json` and the `X-PanBot-Session` header. Another site's
  page can send neither without a CORS preflight, which we never grant; a plain HTML form can send neither.
- An `Origin` header naming another origin is refused outright (403).
- The access token comes back in the response body, which no other origin can read (no CORS headers).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import LoginInput
from panbot.api.serializers import parse
from panbot.errors import AuthenticationRefused

COOKIE_NAME = "panbot_refresh"
COOKIE_PATH = "/app/session/"
HEADER = "HTTP_X_PANBOT_SESSION"
REFRESH_LIFETIME_SECONDS = 30 * 24 * 3600


def _same_origin_only(request: Request) -> None:
    if request.META.get(HEADER) != "1" or request.content_type.split(";")[0].strip() != "application/json":
        raise exceptions.PermissionDenied("Send this request from the dashboard (JSON with the session header).")
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin != f"{request.scheme}://{request.get_host()}":
        raise exceptions.PermissionDenied("Cross-origin requests are refused.")


def _with_cookie(response: Response, refresh: str) -> Response:
    response.set_cookie(
        COOKIE_NAME,
        refresh,
        max_age=REFRESH_LIFETIME_SECONDS,
        path=COOKIE_PATH,
        secure=settings.DASHBOARD_REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


def _without_cookie(response: Response) -> Response:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
    return response


class _SessionView(APIView):
    authentication_classes = []  # the credential is the password or the cookie, never a bearer header
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _same_origin_only(request)


@extend_schema(exclude=True)  # the dashboard's own plumbing, not part of the public API
class SessionLoginView(_SessionView):
    def post(self, request: Request) -> Response:
        data = parse(LoginInput, request)
        pair = services.tokens_obtain(
            login=data["username"],
            password=data["password"],
            client_ip=BaseThrottle().get_ident(request) or "unknown",
            request=request._request,
        )
        return _with_cookie(Response({"access": pair.access}), pair.refresh)


@extend_schema(exclude=True)
class SessionRefreshView(_SessionView):
    def post(self, request: Request) -> Response:
        refresh = request.COOKIES.get(COOKIE_NAME)
        if not refresh:
            raise AuthenticationRefused("You are not signed in.", code="not_signed_in")
        try:
            access = services.access_token_for_session(refresh=refresh)
        except AuthenticationRefused as exc:
            response = Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_401_UNAUTHORIZED)
            return _without_cookie(response)  # a dead token is dropped, so the next page asks to sign in
        return Response({"access": access})


@extend_schema(exclude=True)
class SessionLogoutView(_SessionView):
    def post(self, request: Request) -> Response:
        refresh = request.COOKIES.get(COOKIE_NAME)
        if refresh:
            with contextlib.suppress(AuthenticationRefused):  # already unusable: signing out still clears it
                services.refresh_token_revoke(refresh=refresh)
        return _without_cookie(Response(status=status.HTTP_204_NO_CONTENT))
