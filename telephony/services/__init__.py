"""Telephony state changes. Entry points call these; nothing else writes telephony models."""

from telephony.services.numbers import (
    number_assign,
    number_create,
    number_unassign,
    number_update,
    trunk_link_livekit,
    trunk_save,
    trunk_unlink_livekit,
)

__all__ = [
    "number_assign",
    "number_create",
    "number_unassign",
    "number_update",
    "trunk_link_livekit",
    "trunk_save",
    "trunk_unlink_livekit",
]
