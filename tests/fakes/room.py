"""A stand-in for `livekit.rtc.Room`: what JobContext and the call runner touch, nothing more.

Participants are real `rtc.RemoteParticipant` objects built from their protobuf description
(with no native handle), so `.kind`, `.attributes` and `.disconnect_reason` behave as in
production. Tests drive it: `join()` a SIP caller, `leave()` with a disconnect reason.
"""

from __future__ import annotations

from types import SimpleNamespace

from livekit import rtc
from livekit.rtc._proto import participant_pb2


def sip_participant(identity: str, attributes: dict[str, str]) -> rtc.RemoteParticipant:
    info = participant_pb2.ParticipantInfo(
        sid=f"PA_{identity}",
        identity=identity,
        name=identity,
        kind=rtc.ParticipantKind.PARTICIPANT_KIND_SIP,
        attributes=attributes,
        state=rtc.ParticipantState.PARTICIPANT_STATE_ACTIVE,
    )
    return rtc.RemoteParticipant(participant_pb2.OwnedParticipant(info=info))


class FakeRoom(rtc.EventEmitter):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self._remote: dict[str, rtc.RemoteParticipant] = {}
        self.local_participant = SimpleNamespace(identity="panbot-agent", sid="PA_agent")

    @property
    def name(self) -> str:
        return self._name

    def isconnected(self) -> bool:
        return True

    @property
    def remote_participants(self) -> dict[str, rtc.RemoteParticipant]:
        return self._remote

    def join(self, participant: rtc.RemoteParticipant) -> rtc.RemoteParticipant:
        self._remote[participant.identity] = participant
        self.emit("participant_connected", participant)
        self.emit("participant_active", participant)
        return participant

    def leave(self, identity: str, reason: int) -> None:
        participant = self._remote.pop(identity)
        participant._info.disconnect_reason = reason
        participant._info.state = rtc.ParticipantState.PARTICIPANT_STATE_DISCONNECTED
        self.emit("participant_disconnected", participant)
