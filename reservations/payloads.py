"""What the staff feed receives about a booking (the `reservation.created` / `reservation.updated` payloads)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from reservations.models import Reservation


class ReservationPayload(TypedDict):
    """What the staff feed receives in `reservation.created` / `reservation.updated`."""

    reservation_id: int
    status: str
    previous_status: NotRequired[str]
    name: str
    phone: str
    party_size: int
    starts_at: str  # ISO 8601 in the business's time zone
    ends_at: str
    notes: str
    call_id: int | None


def reservation_payload(reservation: Reservation, *, previous_status: str | None = None) -> ReservationPayload:
    tz = reservation.business.tz
    payload: ReservationPayload = {
        "reservation_id": reservation.pk,
        "status": reservation.status,
        "name": reservation.name,
        "phone": reservation.phone,
        "party_size": reservation.party_size,
        "starts_at": reservation.starts_at.astimezone(tz).isoformat(),
        "ends_at": reservation.ends_at.astimezone(tz).isoformat(),
        "notes": reservation.notes,
        "call_id": reservation.call_id,
    }
    if previous_status is not None:
        payload["previous_status"] = previous_status
    return payload
