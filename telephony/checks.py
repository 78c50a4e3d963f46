"""System checks (`manage.py check`): media capacity and the ghost-call window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError

GHOST_WINDOW_SECONDS = 15  # the seeds' client: a vanished call's slot is free within 15 s


HINT = "Widen RTP_PORT_RANGE (and LiveKit SIP's rtp_port range with it), or lower the call limits."


def _capacity() -> Any:
    from telephony.edge.capacity import platform_capacity

    try:
        return platform_capacity()
    except DatabaseError:
        return None  # no database yet (before migrate): nothing to compare


# Every management command runs the ordinary checks before it starts, and limits are data a
# stakeholder changes at any time: an Error there would stop migrate, run_agent or livekit_sync
# the moment the limits outgrow the range. So the ordinary check warns (from 80 %), and the
# deploy check (`manage.py check --deploy`, run on every deploy) fails above 100 %.
@register("telephony")
def rtp_capacity(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn from 80 % of the RTP range (above 100 % too: `check --deploy` makes that an error)."""
    capacity = _capacity()
    if capacity is None or capacity.level == "ok":
        return []
    return [Warning(capacity.sentence(), hint=HINT, id="telephony.W001")]


@register("telephony", deploy=True)
def rtp_capacity_deploy(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """An error above 100 % of the RTP range: calls past it would get no audio."""
    capacity = _capacity()
    if capacity is None or capacity.level != "error":
        return []
    return [Error(capacity.sentence(), hint=HINT, id="telephony.E001")]


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
