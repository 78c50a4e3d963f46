"""Hanging up and transferring calls through LiveKit's server API."""

from __future__ import annotations

import logging
from typing import Protocol

import aiohttp
from django.conf import settings
from livekit import api

logger = logging.getLogger(__name__)


class TransferFailed(Exception):
    """The SIP transfer did not complete (busy, no answer, rejected, API error)."""


class CallControl(Protocol):
    async def hang_up(self, *, room_name: str) -> None: ...

    async def transfer(self, *, room_name: str, participant_identity: str, to: str) -> None: ...


class LiveKitCallControl:
    """CallControl over livekit-api: deleting the room hangs up every leg, the SIP one included."""

    def __init__(self, *, url: str, api_key: str, api_secret: str, transfer_timeout: float = 30.0) -> None:
        self._url, self._key, self._secret = url, api_key, api_secret
        self._transfer_timeout = transfer_timeout

    @classmethod
    def from_settings(cls) -> LiveKitCallControl:
        return cls(url=settings.LIVEKIT_URL, api_key=settings.LIVEKIT_API_KEY, api_secret=settings.LIVEKIT_API_SECRET)

    def _client(self) -> api.LiveKitAPI:
        return api.LiveKitAPI(self._url, self._key, self._secret)

    async def hang_up(self, *, room_name: str) -> None:
        async with self._client() as lk:
            try:
                await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))
            except api.TwirpError as exc:
                if exc.code != api.TwirpErrorCode.NOT_FOUND:  # already gone: the call is over anyway
                    raise

    async def transfer(self, *, room_name: str, participant_identity: str, to: str) -> None:
        request = api.TransferSIPParticipantRequest(
            room_name=room_name,
            participant_identity=participant_identity,
            transfer_to=f"tel:{to}",
            play_dialtone=False,
        )
        async with self._client() as lk:
            try:
                response = await lk.sip.transfer_sip_participant(request, timeout=self._transfer_timeout)
            except api.TwirpError as exc:
                raise TransferFailed(f"{exc.code}: {exc.message}") from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise TransferFailed(f"LiveKit unreachable: {exc!r}") from exc
        # livekit-api 1.2 reports some failures in the response rather than as an error. An
        # empty status (0) is ONGOING, also what a server that predates the field sends: not a failure.
        if response.status == api.SIPTransferStatus.STS_TRANSFER_FAILED:
            raise TransferFailed(f"transfer failed: {api.SIPTransferReason.Name(response.reason)}")
