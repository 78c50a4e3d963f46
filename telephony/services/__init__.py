"""Telephony state changes. Entry points call these; nothing else writes telephony models."""

from telephony.services.calls import (
    Admission,
    call_admit,
    call_end,
    call_heartbeat,
    call_route,
    calls_reap_stale,
)
from telephony.services.numbers import (
    number_assign,
    number_create,
    number_unassign,
    number_update,
    trunk_create,
    trunk_link_livekit,
    trunk_save,
    trunk_unlink_livekit,
    trunk_update,
)

__all__ = [
    "Admission",
    "call_admit",
    "call_end",
    "call_heartbeat",
    "call_route",
    "calls_reap_stale",
    "number_assign",
    "number_create",
    "number_unassign",
    "number_update",
    "trunk_create",
    "trunk_link_livekit",
    "trunk_save",
    "trunk_unlink_livekit",
    "trunk_update",
]
