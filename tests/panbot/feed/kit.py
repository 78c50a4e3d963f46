"""Helpers for the live feed tests: tokens, sockets, frames."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.selectors import user_access
from accounts.tokens import mint_access_token

ORIGIN = (b"origin", b"http://testserver")


def app():
    from panbot.asgi import application

    return application


def token_for(user: Any, *, lifetime: timedelta | None = None, memberships: dict[str, str] | None = None) -> str:
    """A real access token for `user` as login mints it (optionally shorter-lived or with other claims)."""
    access = user_access(user.pk)
    if lifetime is None and memberships is None:
        return mint_access_token(access)
    token = AccessToken()
    token["user_id"] = access.user_id
    token["stakeholder"] = access.stakeholder
    token["memberships"] = access.memberships if memberships is None else memberships
    token["token_version"] = access.token_version
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


def socket(
    business_id: int,
    token: str | None,
    *,
    cursor: str | None = None,
    subprotocols: list[str] | None = None,
    origin: tuple[bytes, bytes] | None = ORIGIN,
    application: Any = None,
) -> WebsocketCommunicator:
    path = f"/ws/v1/businesses/{business_id}/feed/"
    if cursor is not None:
        path += f"?cursor={cursor}"
    if subprotocols is None:
        subprotocols = ["panbot.v1"] + ([f"bearer.{token}"] if token else [])
    headers = [origin] if origin else []
    return WebsocketCommunicator(application or app(), path, headers=headers, subprotocols=subprotocols)


async def receive(communicator: WebsocketCommunicator, timeout: float = 5.0) -> dict[str, Any]:
    output = await communicator.receive_output(timeout)
    assert output["type"] == "websocket.send", output
    return json.loads(output["text"])


async def receive_events(communicator: WebsocketCommunicator, count: int, timeout: float = 5.0) -> list[dict]:
    frames = [await receive(communicator, timeout) for _ in range(count)]
    assert all(frame["type"] == "event" for frame in frames), frames
    return frames


async def closed_with(communicator: WebsocketCommunicator, timeout: float = 5.0) -> int:
    """The close code the server sent, skipping nothing: a data frame first fails the test."""
    output = await communicator.receive_output(timeout)
    assert output["type"] == "websocket.close", f"expected a close, got {output}"
    return output.get("code")


async def nothing_more(communicator: WebsocketCommunicator, timeout: float = 0.5) -> bool:
    return await communicator.receive_nothing(timeout)
