"""Telephony reads: numbers, live calls, call history, trunks, and how loaded an agent worker is."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Now

from orders.models import Order
from panbot.phone import to_e164
from panbot.tenancy import runs_platform_wide
from reservations.models import Reservation
from restaurants.models import Business
from restaurants.schedule import wall_clock
from telephony.models import ActiveCall, CallRecord, NumberAssignment, PbxTrunk, SipNumber


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


@runs_platform_wide  # by worker: its calls are any business's
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


# --- Calls as owners and the platform see them ----------------------------------------------------


def _lease_cutoff() -> ExpressionWrapper[CombinedExpression]:
    """The database's now minus the lease: a live call not heartbeated since is a ghost about to be reclaimed."""
    return ExpressionWrapper(
        Now() - Value(timedelta(seconds=settings.CALL_LEASE_SECONDS)), output_field=DateTimeField()
    )


def _with_live_figures(calls: QuerySet[ActiveCall]) -> QuerySet[ActiveCall]:
    # Durations from the database clock, like the lease times the admission writes (hosts' clocks differ).
    return calls.annotate(
        live_for=ExpressionWrapper(Now() - F("started_at"), output_field=DurationField()),
        stale=ExpressionWrapper(Q(last_heartbeat_at__lt=_lease_cutoff()), output_field=BooleanField()),
    )


def business_live_calls(business_id: int) -> QuerySet[ActiveCall]:
    """The calls holding a slot of the business now, oldest first, each with `live_for` and `stale`."""
    calls = ActiveCall.objects.filter(business_id=business_id).select_related("sip_number")
    return _with_live_figures(calls).order_by("pk")


def platform_live_calls(*, business_id: int | None = None) -> QuerySet[ActiveCall]:
    """Every tenant's live calls (or one business's), oldest first, each with `live_for` and `stale`."""
    calls = ActiveCall.objects.select_related("business", "sip_number")
    if business_id is not None:
        calls = calls.filter(business_id=business_id)
    return _with_live_figures(calls).order_by("pk")


def number_known_to_business(business_id: int, number_id: int) -> bool:
    """Whether the business holds the number now or held it once (its calls on it are in its history).

    Read from the business's own history of holdings (every holding, the current one too, is a row
    there): in the business's scope the number's row is visible only while the business holds it.
    """
    return NumberAssignment.objects.filter(business_id=business_id, sip_number_id=number_id).exists()


def _count_of(model: type[Order] | type[Reservation]) -> Coalesce:
    rows = model.objects.filter(call=OuterRef("pk")).order_by().values("call").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def call_history(
    business: Business,
    *,
    day_from: date | None = None,
    day_to: date | None = None,
    sip_number_id: int | None = None,
    status: str | None = None,
    reason: str | None = None,
    caller: str | None = None,
) -> QuerySet[CallRecord]:
    """The business's calls, newest first, filtered; each with `orders_created` and `reservations_created`.

    `day_from`/`day_to` are dates on the business's clocks, both included (a call belongs to the
    local day it started on); `caller` is matched in E.164 (give it normalised). The caller checks
    that `sip_number_id` is a number the business knows (`number_known_to_business`).
    """
    calls = (
        CallRecord.objects.filter(business_id=business.pk)
        .select_related("sip_number")
        .annotate(orders_created=_count_of(Order), reservations_created=_count_of(Reservation))
    )
    if day_from is not None:
        calls = calls.filter(started_at__gte=wall_clock(day_from, time(0), business.tz))
    if day_to is not None:
        calls = calls.filter(started_at__lt=wall_clock(day_to + timedelta(days=1), time(0), business.tz))
    if sip_number_id is not None:
        calls = calls.filter(sip_number_id=sip_number_id)
    if status:
        calls = calls.filter(status=status)
    if reason:
        calls = calls.filter(reason=reason)
    if caller:
        calls = calls.filter(caller_number=caller)
    return calls


def business_calls(business_id: int) -> QuerySet[CallRecord]:
    """One business's calls with what they created: orders (lines not included) and reservations."""
    return (
        CallRecord.objects.filter(business_id=business_id)
        .select_related("sip_number")
        .prefetch_related(
            Prefetch("orders", queryset=Order.objects.filter(business_id=business_id).order_by("created_at", "pk")),
            Prefetch(
                "reservations",
                queryset=Reservation.objects.filter(business_id=business_id).order_by("created_at", "pk"),
            ),
        )
    )


# --- The platform's numbers, businesses and trunks -------------------------------------------------


def platform_numbers(
    *,
    business_id: int | None = None,
    active: bool | None = None,
    assigned: bool | None = None,
    search: str = "",
) -> QuerySet[SipNumber]:
    """Every number with its holder, trunk and `live_call_count` (every call on it, whoever's).

    `search` finds a number typed in any form ("055 1234567"), or text in its digits, label or
    holder's name.
    """
    numbers = SipNumber.objects.select_related("business", "trunk", "assigned_by").annotate(
        live_call_count=Count("active_calls")
    )
    if business_id is not None:
        numbers = numbers.filter(business_id=business_id)
    if active is not None:
        numbers = numbers.filter(is_active=active)
    if assigned is not None:
        numbers = numbers.filter(business__isnull=not assigned)
    search = search.strip()
    if search:
        matches = Q(label__icontains=search) | Q(business__name__icontains=search) | Q(number__contains=search)
        e164 = to_e164(search)
        if e164:
            matches |= Q(number=e164)
        numbers = numbers.filter(matches)
    return numbers


def platform_trunks() -> QuerySet[PbxTrunk]:
    """Every trunk with `number_count`: the numbers it carries."""
    return PbxTrunk.objects.annotate(number_count=Count("numbers"))


def trunk_get(trunk_id: int) -> PbxTrunk | None:
    """The trunk with this id; None when there is none."""
    return PbxTrunk.objects.filter(pk=trunk_id).first()
