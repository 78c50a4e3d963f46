"""An in-memory LiveKit server API (Twirp over HTTP) on 127.0.0.1, for tests.

It speaks what livekit-api sends: POST /twirp/livekit.<Service>/<Method> with a
protobuf body and a signed JWT; 200 answers are protobuf, errors are Twirp JSON
({"code", "msg", "meta"}). It keeps trunks, dispatch rules and rooms in memory and
records every request so tests can assert on what PanBot asked LiveKit to do.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from google.protobuf.message import Message
from livekit import api
from livekit.protocol import room as proto_room
from livekit.protocol import sip as proto_sip

API_KEY = "fake-livekit-key"
API_SECRET = "fake-livekit-secret-that-is-long-enough-for-hs256"

REQUEST_TYPES: dict[str, type[Message]] = {
    "DeleteRoom": proto_room.DeleteRoomRequest,
    "CreateSIPInboundTrunk": proto_sip.CreateSIPInboundTrunkRequest,
    "UpdateSIPInboundTrunk": proto_sip.UpdateSIPInboundTrunkRequest,
    "ListSIPInboundTrunk": proto_sip.ListSIPInboundTrunkRequest,
    "DeleteSIPTrunk": proto_sip.DeleteSIPTrunkRequest,
    "CreateSIPDispatchRule": proto_sip.CreateSIPDispatchRuleRequest,
    "UpdateSIPDispatchRule": proto_sip.UpdateSIPDispatchRuleRequest,
    "ListSIPDispatchRule": proto_sip.ListSIPDispatchRuleRequest,
    "DeleteSIPDispatchRule": proto_sip.DeleteSIPDispatchRuleRequest,
    "TransferSIPParticipant": proto_sip.TransferSIPParticipantRequest,
}
MUTATIONS = {"CreateSIPInboundTrunk", "UpdateSIPInboundTrunk", "DeleteSIPTrunk", "CreateSIPDispatchRule",
             "UpdateSIPDispatchRule", "DeleteSIPDispatchRule"}  # fmt: skip


@dataclass
class Recorded:
    method: str
    body: Message
    grants: api.Claims


class TwirpFail(Exception):
    def __init__(self, code: str, msg: str, status: int, meta: dict[str, str] | None = None):
        super().__init__(msg)
        self.code, self.msg, self.status, self.meta = code, msg, status, meta or {}


@dataclass
class FakeLiveKit:
    """Start with `.start()`, point LIVEKIT_URL at `.url`, stop with `.stop()`."""

    requests: list[Recorded] = field(default_factory=list)
    trunks: dict[str, proto_sip.SIPInboundTrunkInfo] = field(default_factory=dict)
    rules: dict[str, proto_sip.SIPDispatchRuleInfo] = field(default_factory=dict)
    rooms: set[str] = field(default_factory=set)
    # Transfers to these numbers fail the way a busy or rejecting PBX makes them fail.
    busy_numbers: set[str] = field(default_factory=set)
    # What a transfer that went through reports (older servers leave it unset: ONGOING, 0).
    transfer_status: int = proto_sip.SIPTransferStatus.STS_TRANSFER_SUCCESSFUL
    port: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._failures: dict[str, TwirpFail] = {}
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[Message], Message]] = {
            "DeleteRoom": self._delete_room,
            "CreateSIPInboundTrunk": self._create_trunk,
            "UpdateSIPInboundTrunk": self._update_trunk,
            "ListSIPInboundTrunk": lambda r: proto_sip.ListSIPInboundTrunkResponse(items=list(self.trunks.values())),
            "DeleteSIPTrunk": self._delete_trunk,
            "CreateSIPDispatchRule": self._create_rule,
            "UpdateSIPDispatchRule": self._update_rule,
            "ListSIPDispatchRule": lambda r: proto_sip.ListSIPDispatchRuleResponse(items=list(self.rules.values())),
            "DeleteSIPDispatchRule": self._delete_rule,
            "TransferSIPParticipant": self._transfer,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    def mutations(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in MUTATIONS]

    def fail_next(self, method: str, *, code: str, msg: str, status: int) -> None:
        self._failures[method] = TwirpFail(code, msg, status)

    # --- server ---------------------------------------------------------------------------
    def start(self) -> FakeLiveKit:
        threading.Thread(target=self._serve, daemon=True, name="fake-livekit").start()
        if not self._ready.wait(5):
            raise RuntimeError("fake LiveKit did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/twirp/livekit.{service}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method not in REQUEST_TYPES:
            return _error("bad_route", f"no handler for {method}", 404)
        auth = request.headers.get("Authorization", "")
        try:
            claims = api.TokenVerifier(API_KEY, API_SECRET).verify(auth.removeprefix("Bearer "))
        except Exception as exc:
            return _error("unauthenticated", f"invalid token: {exc}", 401)
        body = REQUEST_TYPES[method].FromString(await request.read())
        self.requests.append(Recorded(method, body, claims))
        try:
            if method in self._failures:
                raise self._failures.pop(method)
            response = self._handlers[method](body)
        except TwirpFail as fail:
            return _error(fail.code, fail.msg, fail.status, fail.meta)
        return web.Response(body=response.SerializeToString(), content_type="application/protobuf")

    # --- behaviour ---------------------------------------------------------------------------
    def _delete_room(self, req: proto_room.DeleteRoomRequest) -> Message:
        if req.room not in self.rooms:
            raise TwirpFail("not_found", f"room {req.room} not found", 404)
        self.rooms.discard(req.room)
        return proto_room.DeleteRoomResponse()

    def _create_trunk(self, req: proto_sip.CreateSIPInboundTrunkRequest) -> Message:
        trunk = proto_sip.SIPInboundTrunkInfo()
        trunk.CopyFrom(req.trunk)
        trunk.sip_trunk_id = f"ST_fake{next(self._ids)}"
        self.trunks[trunk.sip_trunk_id] = trunk
        return trunk

    def _update_trunk(self, req: proto_sip.UpdateSIPInboundTrunkRequest) -> Message:
        if req.sip_trunk_id not in self.trunks:
            raise TwirpFail("not_found", f"trunk {req.sip_trunk_id} not found", 404)
        trunk = proto_sip.SIPInboundTrunkInfo()
        trunk.CopyFrom(req.replace)
        trunk.sip_trunk_id = req.sip_trunk_id
        self.trunks[req.sip_trunk_id] = trunk
        return trunk

    def _delete_trunk(self, req: proto_sip.DeleteSIPTrunkRequest) -> Message:
        if self.trunks.pop(req.sip_trunk_id, None) is None:
            raise TwirpFail("not_found", f"trunk {req.sip_trunk_id} not found", 404)
        return proto_sip.SIPTrunkInfo(sip_trunk_id=req.sip_trunk_id)

    def _create_rule(self, req: proto_sip.CreateSIPDispatchRuleRequest) -> Message:
        rule = proto_sip.SIPDispatchRuleInfo()
        rule.CopyFrom(req.dispatch_rule)
        rule.sip_dispatch_rule_id = f"SDR_fake{next(self._ids)}"
        self.rules[rule.sip_dispatch_rule_id] = rule
        return rule

    def _update_rule(self, req: proto_sip.UpdateSIPDispatchRuleRequest) -> Message:
        if req.sip_dispatch_rule_id not in self.rules:
            raise TwirpFail("not_found", "dispatch rule not found", 404)
        rule = proto_sip.SIPDispatchRuleInfo()
        rule.CopyFrom(req.replace)
        rule.sip_dispatch_rule_id = req.sip_dispatch_rule_id
        self.rules[req.sip_dispatch_rule_id] = rule
        return rule

    def _delete_rule(self, req: proto_sip.DeleteSIPDispatchRuleRequest) -> Message:
        rule = self.rules.pop(req.sip_dispatch_rule_id, None)
        if rule is None:
            raise TwirpFail("not_found", "dispatch rule not found", 404)
        return rule

    def _transfer(self, req: proto_sip.TransferSIPParticipantRequest) -> Message:
        if req.room_name not in self.rooms:
            raise TwirpFail("not_found", f"room {req.room_name} not found", 404)
        if req.transfer_to.removeprefix("tel:") in self.busy_numbers:
            raise TwirpFail("failed_precondition", "transfer failed: 486 Busy Here", 412,
                            {"sip_status_code": "486", "sip_status": "Busy Here"})  # fmt: skip
        return proto_sip.TransferSIPParticipantResponse(transfer_id="TR_fake", status=self.transfer_status)


def _error(code: str, msg: str, status: int, meta: dict[str, str] | None = None) -> web.Response:
    body: dict = {"code": code, "msg": msg}
    if meta:
        body["meta"] = meta
    return web.json_response(body, status=status)
