"""Idempotency keys: the same key returns the row it first created, for orders and bookings alike.

A client (the phone agent, the API) sends one key per thing it means to create. A repeated
request with that key gets the first row back unchanged, before any validation: a retried
tool call must get its order even if, meanwhile, an item sold out or the time passed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from panbot.errors import ErrorCollector
from panbot.inputs import storable

KEY_MAX = 100

Row = TypeVar("Row", bound=models.Model)


def key_of(value: object) -> str | None:
    """The key a client sent, stripped; None when it sent none (or only spaces)."""
    return str(value or "").strip() or None


def replay(model: type[Row], *, business: Any, key: str | None) -> Row | None:
    """The row of `business` that `key` created, if any (a key too long or unstorable was never stored)."""
    if key is None or len(key) > KEY_MAX or not storable(key):
        return None
    return model._default_manager.filter(business=business, idempotency_key=key).first()


def check_key(errors: ErrorCollector, key: str | None) -> None:
    """Refuse a key the `idempotency_key` column cannot hold."""
    errors.text(
        "idempotency_key", key, max_length=KEY_MAX, what="The idempotency key",
        too_long=f"The idempotency key is at most {KEY_MAX} characters.",
    )  # fmt: skip
