"""Bookings as staff see and take them. Times are shown in the business's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from reservations.models import NOTES_MAX, ReservationStatus


class LocalDateTimeField(serializers.DateTimeField):
    """Shown in the business's time zone (ISO 8601 with its offset)."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(self.context["view"].business.tz).isoformat()


class WallClockDateTimeField(serializers.DateTimeField):
    """A date and time with an offset, or without one: then it is the business's wall clock.

    Kept naive for the service, which reads it in the business's zone and refuses a time the
    clocks skip (the night summer time starts) with its own sentence.
    """

    def enforce_timezone(self, value: datetime) -> datetime:
        return value


class StatusChangeOutput(serializers.Serializer):
    from_status = serializers.CharField(allow_blank=True, help_text="Empty for the first step (booked).")
    to_status = serializers.CharField()
    changed_by = serializers.IntegerField(
        source="changed_by_id", allow_null=True, help_text="A user id; null: the agent."
    )
    changed_by_username = serializers.CharField(source="changed_by.username", allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True)
    at = LocalDateTimeField(source="created_at")


class ReservationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReservationStatus.choices)
    name = serializers.CharField()
    phone = serializers.CharField(help_text="E.164.")
    party_size = serializers.IntegerField()
    starts_at = LocalDateTimeField()
    ends_at = LocalDateTimeField(help_text="Start plus the dining time in force when booked.")
    notes = serializers.CharField(allow_blank=True)
    call_id = serializers.IntegerField(allow_null=True, help_text="The call that booked it; null: booked by staff.")
    created_at = LocalDateTimeField()


class ReservationDetailOutput(ReservationOutput):
    history = StatusChangeOutput(source="status_changes", many=True, help_text="Oldest first.")


class ReservationFilters(serializers.Serializer):
    """Narrow the list (all filters combine)."""

    day = serializers.DateField(required=False, help_text="Bookings starting on this local date (YYYY-MM-DD).")
    status = serializers.ChoiceField(choices=ReservationStatus.choices, required=False)
    phone = serializers.CharField(required=False, max_length=64, help_text="The guest's number, in any format.")


class ReservationCreateInput(InputSerializer):
    """A booking taken by staff (by phone, at the door): the same rules as the agent's."""

    starts_at = WallClockDateTimeField(
        help_text="2026-06-13T20:00 (the business's local time) or with an offset (2026-06-13T20:00+02:00)."
    )
    party_size = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True, help_text="The name the table is under.")
    phone = serializers.CharField(allow_blank=True, help_text="The guest's number, in any format.")
    notes = serializers.CharField(required=False, allow_blank=True, help_text=f"Up to {NOTES_MAX} characters.")
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="One per booking the client means to make: sending it again returns that booking, not another.",
    )


class ReservationUpdateInput(InputSerializer):
    """PATCH: move the booking or change the party (only pending and confirmed bookings, before they start)."""

    starts_at = WallClockDateTimeField(required=False, help_text="Local time, or with an offset.")
    party_size = serializers.IntegerField(required=False)


class TransitionInput(InputSerializer):
    """The status to move to: confirmed, seated, completed, no_show (or cancelled)."""

    to_status = serializers.CharField(help_text="confirmed, seated, completed, no_show or cancelled.")
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Kept in the history.")


class CancelInput(InputSerializer):
    """Why it was cancelled (optional; kept in the history)."""

    reason = serializers.CharField(required=False, allow_blank=True)


class AvailabilityQuery(serializers.Serializer):
    date = serializers.DateField(help_text="The service day (YYYY-MM-DD); late periods run past midnight.")
    party_size = serializers.IntegerField(help_text="Guests.")


class AvailabilityOutput(serializers.Serializer):
    """Start times a party of that size can book now, in the business's time zone."""

    date = serializers.DateField()
    party_size = serializers.IntegerField()
    starts = serializers.ListField(child=LocalDateTimeField())


def availability(day: Any, party_size: int, starts: list[datetime]) -> dict[str, Any]:
    return {"date": day, "party_size": party_size, "starts": starts}
