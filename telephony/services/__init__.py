"""Telephony state changes. Entry points call these; nothing else writes telephony models."""

from telephony.services.numbers import (
    number_assign,
    number_create,
    number_unassign,
    number_update,
    trunk_save,
)

__all__ = [
    "number_assign",
    "number_create",
    "number_unassign",
    "number_update",
    "trunk_save",
]
