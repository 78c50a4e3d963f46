"""Media capacity: can LiveKit SIP's RTP port range carry every call the platform may admit at once?

Each call takes 2 RTP ports (RTP and RTCP). The most calls the platform admits at once is, per
active business, the smaller of its own limit and the sum of its active numbers' limits, summed
over businesses; and, when the deployment says how many agent workers it runs (`AGENT_WORKERS`),
at most `AGENT_MAX_SESSIONS` x `AGENT_WORKERS`. Past 80 % of the range a warning, past 100 % an
error: the next call past the range gets no media, so the caller hears silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum

from restaurants.models import Business

PORTS_PER_CALL = 2
WARN_AT = 0.8


@dataclass(frozen=True)
class Capacity:
    """The platform's admissible concurrent calls against what the RTP range carries."""

    admissible_calls: int  # what the limits admit at once (capped by the agent workers when known)
    by_limits: int  # what the businesses' and numbers' limits admit
    agent_sessions: int | None  # AGENT_MAX_SESSIONS x AGENT_WORKERS, when AGENT_WORKERS is set
    rtp_range: tuple[int, int]

    @property
    def rtp_calls(self) -> int:
        low, high = self.rtp_range
        return (high - low + 1) // PORTS_PER_CALL

    @property
    def usage(self) -> float:
        return self.admissible_calls / self.rtp_calls if self.rtp_calls else float("inf")

    @property
    def level(self) -> str:
        """ "ok", "warning" (over 80 % of the range) or "error" (over 100 %)."""
        if self.usage > 1:
            return "error"
        return "warning" if self.usage >= WARN_AT else "ok"

    def sentence(self) -> str:
        low, high = self.rtp_range
        cap = f", capped by {self.agent_sessions} agent sessions" if self.agent_sessions is not None else ""
        return (
            f"Capacity: up to {self.admissible_calls} concurrent calls admissible ({self.by_limits} by the "
            f"businesses' and numbers' limits{cap}); RTP ports {low}-{high} carry {self.rtp_calls} "
            f"({self.usage:.0%} used)."
        )


def platform_capacity() -> Capacity:
    """One query: per active business, min(its limit, its active numbers' limits)."""
    rows = (
        Business.objects.filter(is_active=True)
        .annotate(
            numbers_limit=Sum("sip_numbers__max_concurrent_calls", filter=Q(sip_numbers__is_active=True), default=0)
        )
        .values_list("max_concurrent_calls", "numbers_limit")
    )
    by_limits = sum(min(own, numbers) for own, numbers in rows)
    agent_sessions = settings.AGENT_MAX_SESSIONS * settings.AGENT_WORKERS if settings.AGENT_WORKERS else None
    admissible = by_limits if agent_sessions is None else min(by_limits, agent_sessions)
    return Capacity(
        admissible_calls=admissible,
        by_limits=by_limits,
        agent_sessions=agent_sessions,
        rtp_range=tuple(settings.RTP_PORT_RANGE),  # type: ignore[arg-type]  # a pair, checked at start-up
    )
