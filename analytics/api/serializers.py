"""Shapes of the analytics endpoint's answer (the query parameters are telephony.call_filters')."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from telephony.call_filters import DateRangeQuery


class AnalyticsQuery(DateRangeQuery):
    """`from`, `to` (the business's local dates, both included, at most 400 days) and optionally `number`."""


class DayOutput(serializers.Serializer):
    date = serializers.DateField()
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    rejected = serializers.IntegerField()
    failed = serializers.IntegerField()


class RejectedByReasonOutput(serializers.Serializer):
    number_busy = serializers.IntegerField()
    business_busy = serializers.IntegerField()
    worker_full = serializers.IntegerField()
    inactive = serializers.IntegerField(help_text="Number or business switched off.")


class SummaryOutput(serializers.Serializer):
    """One period's figures. Rates and shares are fractions (0-1), null when there is nothing to divide by."""

    calls = serializers.IntegerField(help_text="Finished calls (live ones count once they end).")
    answered = serializers.IntegerField(help_text="Calls the agent took and completed.")
    rejected = serializers.IntegerField()
    failed = serializers.IntegerField()
    rejected_by_reason = RejectedByReasonOutput()
    lost_to_limits = serializers.IntegerField(help_text="Number busy + business busy + worker full.")
    lost_forwarded = serializers.IntegerField(help_text="Calls lost to limits that came forwarded (PBX overflow).")
    lost_forwarded_share = serializers.FloatField(allow_null=True)
    transferred = serializers.IntegerField()
    transfer_rate = serializers.FloatField(allow_null=True, help_text="Transferred / answered.")
    after_hours = serializers.IntegerField(help_text="Calls that arrived outside opening hours.")
    average_duration_seconds = serializers.FloatField(allow_null=True, help_text="Of answered calls.")
    p90_duration_seconds = serializers.IntegerField(
        allow_null=True, help_text="Upper bound of the duration bucket the 90th percentile answered call falls in."
    )
    orders = serializers.IntegerField(help_text="Orders placed on calls (not cancelled).")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    average_ticket = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reservations = serializers.IntegerField(help_text="Reservations made on calls (not cancelled).")
    covers = serializers.IntegerField(help_text="Their guests.")
    converted_calls = serializers.IntegerField(help_text="Calls with an order or a reservation.")
    conversion = serializers.FloatField(allow_null=True, help_text="Converted calls / answered calls.")


class RangeOutput(serializers.Serializer):
    def get_fields(self) -> dict[str, Any]:
        return {"from": serializers.DateField(), "to": serializers.DateField()}


class AnalyticsOutput(serializers.Serializer):
    """Every metric for the range (echoed back) and the period of the same length before it."""

    business_id = serializers.IntegerField()
    timezone = serializers.CharField(help_text="The business's time zone: days and hours are its local ones.")
    currency = serializers.CharField()
    number = serializers.IntegerField(allow_null=True, help_text="The number asked for, or null for all.")
    range = RangeOutput()
    previous_range = RangeOutput()
    days = DayOutput(many=True, help_text="Every day of the range, in order, zeros included.")
    busiest_hours = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=24, max_length=24),
        min_length=7,
        max_length=7,
        help_text="Calls per local weekday (Monday first) and hour (0-23).",
    )
    current = SummaryOutput()
    previous = SummaryOutput()
