"""Close codes of the staff live feed, the one list both the server and clients rely on.

Refusals happen right after the handshake, before any data: the server accepts (with the
`panbot.v1` subprotocol when the client offered it) and closes at once with one of these codes,
because a refused handshake reaches a browser as a bare failure without a code.

- 4000 PROTOCOL_NOT_OFFERED: the client did not offer the `panbot.v1` subprotocol. Fix the client.
- 4001 TOKEN_MISSING: no `bearer.<access token>` subprotocol. Log in.
- 4002 TOKEN_INVALID: the token is malformed, forged, or not an access token. Log in again.
- 4003 TOKEN_EXPIRED: the access token expired, at connect or while connected (the socket closes
  at its `exp`). Refresh the token, reconnect with `?cursor=`.
- 4004 NOT_A_MEMBER: the token gives no role in this business (an outsider, staff of another
  business, a stakeholder, a business that does not exist). Stop; show "no access".
- 4005 REVOKED: the user's tokens were revoked while connected (role changed or removed, password
  changed, user deactivated). Refresh (it fails if access is gone), reconnect with `?cursor=`.
- 4006 TOO_SLOW: the client did not read fast enough (more than FEED_SEND_BUFFER frames waited
  for it). Reconnect with `?cursor=`: nothing is lost.

A `?cursor=` that cannot be read, or is older than the retention window, is not a refusal:
the client gets a fresh snapshot with `"reset": true`.

A client that stops answering the server's WebSocket pings is dropped by the server
(`daphne --ping-interval/--ping-timeout`) with a transport-level close, not one of these codes.
Browsers answer pings by themselves.
"""

from __future__ import annotations

PROTOCOL_NOT_OFFERED = 4000
TOKEN_MISSING = 4001
TOKEN_INVALID = 4002
TOKEN_EXPIRED = 4003
NOT_A_MEMBER = 4004
REVOKED = 4005
TOO_SLOW = 4006

# The subprotocols of the handshake (DESIGN.md "Live feed protocol").
SUBPROTOCOL = "panbot.v1"
BEARER_PREFIX = "bearer."
