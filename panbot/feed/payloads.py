"""The frames the live feed sends, shared by the consumer and by anything that builds them (tests, bench).

Event payloads themselves are the emitting services' TypedDicts (`orders.payloads.OrderPayload`,
`reservations.payloads.ReservationPayload`, the call.* payloads of telephony); the feed passes
them through untouched inside `EventMessage`.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from orders.payloads import OrderPayload
from panbot.events import EventMessage
from printing.payloads import PrinterStatusPayload, PrintJobPayload
from reservations.payloads import ReservationPayload


class LiveCallPayload(TypedDict):
    """A call holding a slot now, with the keys a `call.started` event's payload has."""

    active_call_id: int
    call_record_id: int
    sip_number: str
    sip_number_id: int | None
    label: str
    caller: str
    status: str
    reason: str
    room_name: str
    started_at: str


class SnapshotFrame(TypedDict):
    """First frame on every connection: the business as it is now, and the cursor it corresponds to.

    `reset` is present (true) only when the client's `?cursor=` could not be honoured (older than
    the retention window, too far behind, or unreadable): the client replaces its state.
    """

    type: Literal["snapshot"]
    cursor: str
    orders: list[OrderPayload]  # today's open orders (business's local day), by pickup time
    reservations: list[ReservationPayload]  # today's and tomorrow's, by start time
    calls: list[LiveCallPayload]  # live calls, oldest first
    print_failures: list[PrintJobPayload]  # open orders' kitchen tickets whose latest job on a printer failed
    printers_down: list[PrinterStatusPayload]  # active printers offline or out of paper, as printer.status said
    reset: NotRequired[bool]


class EventFrame(TypedDict):
    """One event, in commit order; `cursor` is what to resume from once it has been handled."""

    type: Literal["event"]
    cursor: str
    event: EventMessage


class SnapshotData(TypedDict):
    orders: list[OrderPayload]
    reservations: list[ReservationPayload]
    calls: list[LiveCallPayload]
    print_failures: list[PrintJobPayload]
    printers_down: list[PrinterStatusPayload]
