"""Telephony reads: a business's numbers, live calls and how loaded an agent worker is."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Now

from restaurants.models import Business
from telephony.models import ActiveCall, PbxTrunk, SipNumber


def live_calls(business: Business | int | None = None) -> QuerySet[ActiveCall]:
    """Calls holding a slot now, oldest first; one business's when given (an instance or an id)."""
    calls = ActiveCall.objects.select_related("business", "sip_number").order_by("started_at", "pk")
    if business is not None:
        calls = calls.filter(business=business)
    return calls


def business_numbers(business_id: int) -> QuerySet[SipNumber]:
    """A business's numbers, each with `live_call_count`: the calls holding a slot on it now.

    Only the business's own calls count: after a reassignment, a call the previous holder still
    has in progress on the number is theirs, not the new holder's to see.
    """
    own_calls = Q(active_calls__business_id=F("business_id"))
    return SipNumber.objects.filter(business_id=business_id).annotate(
        live_call_count=Count("active_calls", filter=own_calls)
    )


def worker_load(*, worker_id: str) -> float:
    """This worker's live calls / AGENT_MAX_SESSIONS, capped at 1.0: what its LiveKit load function reports."""
    if not worker_id:
        return 0.0
    # Calls past their lease are ghosts about to be reclaimed, not sessions the worker serves.
    alive_since = ExpressionWrapper(
        Now() - Value(timedelta(seconds=settings.CALL_LEASE_SECONDS)), output_field=DateTimeField()
    )
    serving = ActiveCall.objects.filter(worker_id=worker_id, last_heartbeat_at__gte=alive_since).count()
    return min(1.0, serving / settings.AGENT_MAX_SESSIONS)


def trunk_for_livekit_id(livekit_trunk_id: str) -> PbxTrunk | None:
    """The active trunk LiveKit knows by `livekit_trunk_id` (the SIP participant's `sip.trunkID`), if any."""
    if not livekit_trunk_id:
        return None
    return PbxTrunk.objects.filter(livekit_trunk_id=livekit_trunk_id, is_active=True).first()
