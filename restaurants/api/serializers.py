"""Shapes of a business's profile, hours, closures, order and booking settings, and members.

Inputs check shape and JSON types only; the rules (time zones, languages, overlapping hours,
setting ranges, the last owner) are the services', whose sentences reach the client keyed by field.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from restaurants.models import Membership, OpeningHours

MAX_PERIODS = 70  # ten a day: more than any restaurant, few enough to bound the work


class BusinessOutput(serializers.Serializer):
    """The business's profile and the agent's defaults (each number may override them)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    public_phone = serializers.CharField(allow_blank=True, help_text="E.164; the number printed on the menu.")
    timezone = serializers.CharField(help_text="IANA time zone, e.g. Europe/Rome: hours and days are in it.")
    default_language = serializers.CharField(help_text="The language the agent answers in.")
    other_languages = serializers.ListField(child=serializers.CharField(), help_text="Further languages it speaks.")
    currency = serializers.CharField(help_text="ISO 4217; set by the platform.")
    agent_greeting = serializers.CharField(allow_blank=True)
    agent_system_prompt = serializers.CharField(allow_blank=True)
    agent_voice = serializers.CharField(allow_blank=True)
    max_call_minutes = serializers.IntegerField()
    overflow_action = serializers.CharField(help_text="busy, message or transfer: what callers get at the limit.")
    overflow_message = serializers.CharField(allow_blank=True)
    transfer_number = serializers.CharField(allow_blank=True, help_text="E.164; where callers are transferred.")


class BusinessUpdateInput(InputSerializer):
    """PATCH: only the fields sent change (validated as the admin validates a business)."""

    name = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    public_phone = serializers.CharField(required=False, allow_blank=True, help_text="Any format; stored as E.164.")
    timezone = serializers.CharField(required=False, allow_blank=True)
    default_language = serializers.CharField(required=False, allow_blank=True)
    other_languages = serializers.ListField(child=serializers.CharField(), required=False, max_length=20)
    agent_greeting = serializers.CharField(required=False, allow_blank=True)
    agent_system_prompt = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    agent_voice = serializers.CharField(required=False, allow_blank=True)
    max_call_minutes = serializers.IntegerField(required=False)
    overflow_action = serializers.CharField(required=False, allow_blank=True)
    overflow_message = serializers.CharField(required=False, allow_blank=True)
    transfer_number = serializers.CharField(required=False, allow_blank=True, help_text="Any format; stored as E.164.")


# --- Hours and closures --------------------------------------------------------------------------


class PeriodInput(InputSerializer):
    """One opening period; a close before the open runs past midnight (19:00-01:00)."""

    weekday = serializers.IntegerField(help_text="0 Monday ... 6 Sunday.")
    opens_at = serializers.TimeField(help_text="Local time, HH:MM.")
    closes_at = serializers.TimeField(help_text="Local time, HH:MM; before opens_at: closes after midnight.")


class HoursInput(InputSerializer):
    """The whole week: replaces every period (an empty list: closed every day)."""

    periods = serializers.ListField(child=PeriodInput(), max_length=MAX_PERIODS, allow_empty=True)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "19:00"})
class ClockField(serializers.Field):
    """A local time of day as HH:MM (not an RFC 3339 time: it has no offset)."""

    def to_representation(self, value: time) -> str:
        return f"{value:%H:%M}"


class PeriodOutput(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 Monday ... 6 Sunday.")
    weekday_name = serializers.SerializerMethodField()
    opens_at = ClockField()
    closes_at = ClockField()
    overnight = serializers.BooleanField(help_text="Closes after midnight, on the next day.")

    def get_weekday_name(self, period: OpeningHours) -> str:
        return str(OpeningHours.Weekday(period.weekday).label)


class HoursOutput(serializers.Serializer):
    """The weekly opening periods in the business's time zone, Monday first."""

    periods = PeriodOutput(many=True)


class ClosureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField(help_text="A local date: closed all day.")
    reason = serializers.CharField(allow_blank=True)


class ClosureInput(InputSerializer):
    """Close all day on `date`; closing a date already closed changes its reason."""

    date = serializers.DateField(help_text="YYYY-MM-DD, in the business's time zone.")
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Said to callers, e.g. Christmas.")


# --- Order and booking settings --------------------------------------------------------------------


class OrderSettingsOutput(serializers.Serializer):
    """How the business takes phone orders (a business that never set them takes none)."""

    accepting_orders = serializers.BooleanField()
    lead_time_minutes = serializers.IntegerField(help_text="The earliest pickup is this long after now.")
    max_quantity_per_line = serializers.IntegerField()
    max_days_ahead = serializers.IntegerField(help_text="0: pickup today only; 1: today or tomorrow; ...")


class OrderSettingsInput(InputSerializer):
    """PATCH: only the fields sent change."""

    accepting_orders = serializers.BooleanField(required=False)
    lead_time_minutes = serializers.IntegerField(required=False)
    max_quantity_per_line = serializers.IntegerField(required=False)
    max_days_ahead = serializers.IntegerField(required=False)


class ReservationSettingsOutput(serializers.Serializer):
    """How the business takes bookings (a business that never set them takes none)."""

    accepting_reservations = serializers.BooleanField()
    slot_minutes = serializers.IntegerField(help_text="Bookable start times are this many minutes apart.")
    seats_per_slot = serializers.IntegerField(help_text="Guests the room seats at any one time.")
    max_party_size = serializers.IntegerField(help_text="Larger parties are referred to the restaurant.")
    dining_minutes = serializers.IntegerField(help_text="How long a booking holds its seats.")
    lead_minutes = serializers.IntegerField(help_text="Minimum notice before a booking starts.")
    horizon_days = serializers.IntegerField(help_text="How far ahead one may book.")
    last_seating_minutes = serializers.IntegerField(help_text="The last booking starts this long before closing.")
    auto_confirm = serializers.BooleanField(help_text="False: staff confirm each booking.")


class ReservationSettingsInput(InputSerializer):
    """PATCH: only the fields sent change."""

    accepting_reservations = serializers.BooleanField(required=False)
    slot_minutes = serializers.IntegerField(required=False)
    seats_per_slot = serializers.IntegerField(required=False)
    max_party_size = serializers.IntegerField(required=False)
    dining_minutes = serializers.IntegerField(required=False)
    lead_minutes = serializers.IntegerField(required=False)
    horizon_days = serializers.IntegerField(required=False)
    last_seating_minutes = serializers.IntegerField(required=False)
    auto_confirm = serializers.BooleanField(required=False)


# --- Members --------------------------------------------------------------------------------------


class MemberOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email", allow_blank=True)
    first_name = serializers.CharField(source="user.first_name", allow_blank=True)
    last_name = serializers.CharField(source="user.last_name", allow_blank=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberAddInput(InputSerializer):
    """An existing user, by username or e-mail address, and their role here."""

    user = serializers.CharField(max_length=254, help_text="Their username or e-mail address.")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberRoleInput(InputSerializer):
    """The member's new role (their sessions end: they log in again)."""

    role = serializers.ChoiceField(choices=Membership.Role.choices)


def as_periods(data: dict[str, Any]) -> list[tuple[int, Any, Any]]:
    return [(p["weekday"], p["opens_at"], p["closes_at"]) for p in data["periods"]]
