"""The call history's filters (date range, number, status, reason, caller), parsed once for every reader.

Used by the call history list, its CSV export and the analytics endpoint, so "from",
"to" and "number" mean the same everywhere: `from` and `to` are the business's local
dates, both included; `number` is the id of one of the business's numbers (now or
before: a number moved to another restaurant keeps its calls here).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from rest_framework import serializers

from telephony.models import CallRecord
from telephony.selectors import number_known_to_business

MAX_RANGE_DAYS = 400
DEFAULT_RANGE_DAYS = 30
CALLER_MAX = 64


class DateRangeQuery(serializers.Serializer):
    """`from` and `to`: the business's local dates (YYYY-MM-DD), both included; at most 400 days.

    Without them, the 30 days up to today; with one, 30 days from or up to it.
    """

    number = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Id of one of the business's numbers."
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword: declared here rather than as a class attribute.
        fields["from"] = serializers.DateField(required=False, help_text="First local date (YYYY-MM-DD).")
        fields["to"] = serializers.DateField(required=False, help_text="Last local date (YYYY-MM-DD), included.")
        return fields

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: ["Unknown query parameter."] for key in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given_first: date | None = attrs.get("from")
        given_last: date | None = attrs.get("to")
        span = timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if given_first is None:
            last = given_last if given_last is not None else self.today
            first = last - span
        else:
            first = given_first
            last = given_last if given_last is not None else first + span
        if last < first:
            raise serializers.ValidationError({"to": ["Must be on or after 'from'."]})
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [f"The range is {(last - first).days + 1} days; it may cover at most {MAX_RANGE_DAYS}."]}
            )
        if first.year < 2000 or last.year > 9000:
            raise serializers.ValidationError({"from" if first.year < 2000 else "to": ["That date is out of range."]})
        return {**attrs, "from": first, "to": last}


class CallFilterQuery(DateRangeQuery):
    """The call history's filters: the date range and number, plus status, reason and caller."""

    status = serializers.ChoiceField(choices=CallRecord.Status.choices, required=False)
    reason = serializers.ChoiceField(choices=CallRecord.Reason.choices, required=False)
    caller = serializers.CharField(
        required=False, max_length=CALLER_MAX, help_text="Part of the caller's number (digits and '+')."
    )


@dataclasses.dataclass(frozen=True)
class CallFilters:
    """Parsed filters: a local date range and optional number, status, reason and caller fragment."""

    first: date
    last: date
    sip_number_id: int | None = None
    status: str | None = None
    reason: str | None = None
    caller: str | None = None

    @classmethod
    def from_query(cls, data: dict[str, Any]) -> CallFilters:
        return cls(
            first=data["from"],
            last=data["to"],
            sip_number_id=data.get("number"),
            status=data.get("status"),
            reason=data.get("reason"),
            caller=data.get("caller") or None,
        )


def parse_call_filters(
    query: Any, *, business_id: int, tz: ZoneInfo, serializer_class: type[DateRangeQuery] = CallFilterQuery
) -> CallFilters:
    """Validated filters from a request's query parameters; a ValidationError naming the field if not.

    The number must be one the business holds or held (one query, only when given).
    """
    serializer = serializer_class(data=query, today=datetime.now(tz).date())
    serializer.is_valid(raise_exception=True)
    filters = CallFilters.from_query(serializer.validated_data)
    if filters.sip_number_id is not None and not number_known_to_business(business_id, filters.sip_number_id):
        raise serializers.ValidationError({"number": ["Not one of this business's numbers."]})
    return filters


def filter_calls(calls: QuerySet[CallRecord], filters: CallFilters, *, tz: ZoneInfo) -> QuerySet[CallRecord]:
    """`calls` narrowed to the filters: started within the local dates (DST-correct instants), and the rest."""
    start = datetime.combine(filters.first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(filters.last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    calls = calls.filter(started_at__gte=start, started_at__lt=end)
    if filters.sip_number_id is not None:
        calls = calls.filter(sip_number_id=filters.sip_number_id)
    if filters.status is not None:
        calls = calls.filter(status=filters.status)
    if filters.reason is not None:
        calls = calls.filter(reason=filters.reason)
    if filters.caller is not None:
        calls = calls.filter(caller_number__contains=filters.caller)
    return calls
