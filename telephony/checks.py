"""System checks (`manage.py check`): media capacity and the ghost-call window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError

GHOST_WINDOW_SECONDS = 15  # the seeds' client: a vanished call's slot is free within 15 s


@register("telephony")
def rtp_capacity(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn at 80 % of the RTP range, error above 100 %."""
    from telephony.edge.capacity import platform_capacity

    try:
        capacity = platform_capacity()
    except DatabaseError:
        return []  # no database yet (before migrate): nothing to compare
    hint = "Widen RTP_PORT_RANGE (and LiveKit SIP's rtp_port range with it), or lower the call limits."
    if capacity.level == "error":
        return [Error(capacity.sentence(), hint=hint, id="telephony.E001")]
    if capacity.level == "warning":
        return [Warning(capacity.sentence(), hint=hint, id="telephony.W001")]
    return []


@register("telephony")
def ghost_window(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """A ghost must be reclaimed by the reaper alone within 15 s of its last heartbeat."""
    worst = settings.CALL_LEASE_SECONDS + settings.CALL_REAPER_SECONDS
    if worst <= GHOST_WINDOW_SECONDS:
        return []
    return [
        Warning(
            f"A vanished call's slot may stay taken {worst} s after its last heartbeat "
            f"(CALL_LEASE_SECONDS={settings.CALL_LEASE_SECONDS} + CALL_REAPER_SECONDS={settings.CALL_REAPER_SECONDS}), "
            f"more than {GHOST_WINDOW_SECONDS} s.",
            hint="Keep CALL_LEASE_SECONDS + CALL_REAPER_SECONDS at or under 15.",
            id="telephony.W002",
        )
    ]
