"""Numbers as an owner sees and configures them, and the calls they received."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from panbot.api.schema import pydantic_openapi
from panbot.api.serializers import InputSerializer
from panbot.phone import INVALID_MESSAGE, to_e164
from restaurants.agent_config import OVERRIDE_KEYS, ConfigOverride, effective_config
from restaurants.schedule import OUT_OF_RANGE, in_range
from telephony.models import CallRecord, SipNumber

CLEARING = "null removes the key from the override: the business's default applies again."


@extend_schema_field(pydantic_openapi(ConfigOverride))
class ConfigOverrideField(serializers.DictField):
    """A number's agent override: only the keys it sets (the schema is ConfigOverride's, the admin's)."""

    def to_representation(self, value: Any) -> dict[str, Any]:
        return {key: value[key] for key in OVERRIDE_KEYS if key in (value or {})}


@extend_schema_field(pydantic_openapi(ConfigOverride, null_means=CLEARING))
class ConfigOverridePatchField(serializers.DictField):
    """Changes to the override: a key with a value sets it, a key with null clears it, a key left out stays."""


class EffectiveConfigOutput(serializers.Serializer):
    """What the agent is told on this number: the business's defaults, overridden key by key."""

    greeting = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    system_prompt = serializers.CharField(allow_blank=True)
    voice = serializers.CharField(allow_blank=True)
    max_call_minutes = serializers.IntegerField()
    overflow_action = serializers.CharField()
    overflow_message = serializers.CharField(allow_blank=True)
    transfer_number = serializers.CharField(allow_blank=True)
    overridden = serializers.ListField(
        child=serializers.CharField(), help_text="The keys this number overrides; the others are the business's."
    )


class NumberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="E.164, e.g. +390551234567.")
    label = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField(help_text="An inactive number answers no calls.")
    max_concurrent_calls = serializers.IntegerField(help_text="Calls it takes at once; set by the platform.")
    live_calls = serializers.IntegerField(source="live_call_count", help_text="Calls holding a slot on it now.")
    config_override = ConfigOverrideField()
    effective_config = serializers.SerializerMethodField()

    @extend_schema_field(EffectiveConfigOutput)
    def get_effective_config(self, number: SipNumber) -> dict[str, Any]:
        config = effective_config(self.context["view"].business, number.config_override).as_dict()
        config["overridden"] = config.pop("from_number")
        return EffectiveConfigOutput(config).data


class NumberUpdateInput(InputSerializer):
    """PATCH: only the fields sent change."""

    label = serializers.CharField(max_length=SipNumber._meta.get_field("label").max_length, allow_blank=True,
                                  required=False)  # fmt: skip
    is_active = serializers.BooleanField(required=False)
    config_override = ConfigOverridePatchField(
        required=False,
        help_text='Agent settings of this number, merged key by key: {"greeting": "..."} sets the greeting, '
        '{"greeting": null} returns it to the business\'s default; keys not sent stay as they are.',
    )


# --- Calls --------------------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "description": "Whole seconds."})
class SecondsField(serializers.Field):
    """A duration (timedelta or seconds) as whole seconds."""

    def to_representation(self, value: Any) -> int:
        seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
        return max(0, int(seconds))


class CallNumberOutput(serializers.Serializer):
    """The number a call came in on."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="E.164.")
    label = serializers.CharField(allow_blank=True)


def call_number(sip_number: SipNumber | None, business_id: int | None) -> dict[str, Any] | None:
    """The number of a call as its business sees it: a label set since by another holder is not theirs to read."""
    if sip_number is None:
        return None
    return {"id": sip_number.pk, "number": sip_number.number, "label": sip_number.label_for(business_id)}


class LiveCallOutput(serializers.Serializer):
    """A call holding a slot now."""

    id = serializers.IntegerField(source="call_record_id", help_text="The call's id in the call history.")
    caller = serializers.CharField(source="caller_number", allow_blank=True, help_text="E.164 when it parsed.")
    number = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    duration_seconds = SecondsField(source="live_for", help_text="How long it has lasted so far.")
    stale = serializers.BooleanField(
        help_text="No heartbeat within the lease: the call vanished and its slot is about to be reclaimed."
    )

    @extend_schema_field(CallNumberOutput)
    def get_number(self, call: Any) -> dict[str, Any] | None:
        return call_number(call.sip_number, call.business_id)


class CallOutput(serializers.Serializer):
    """A call in the history: rejected ones too (the reason says why)."""

    id = serializers.IntegerField()
    caller = serializers.CharField(source="caller_number", allow_blank=True, help_text="E.164 when it parsed.")
    dialed_number = serializers.CharField(allow_blank=True, help_text="The number as dialed (E.164 when it parsed).")
    number = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=CallRecord.Status.choices)
    reason = serializers.ChoiceField(choices=CallRecord.Reason.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    orders_created = serializers.IntegerField(help_text="Orders the call placed.")
    reservations_created = serializers.IntegerField(help_text="Bookings the call made.")

    @extend_schema_field(CallNumberOutput(allow_null=True))
    def get_number(self, call: CallRecord) -> dict[str, Any] | None:
        return call_number(call.sip_number, call.business_id)


class TranscriptLineOutput(serializers.Serializer):
    """One turn: the caller or the agent speaking (`text`), or a tool the agent used (`name`, `arguments`)."""

    role = serializers.ChoiceField(choices=["caller", "agent", "tool", "tool_result"])
    text = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True, help_text="The tool.")
    arguments = serializers.CharField(required=False, allow_blank=True, help_text="The tool's arguments (JSON).")
    error = serializers.BooleanField(required=False, help_text="Whether the tool refused.")


class CallOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_number = serializers.IntegerField(help_text="The kitchen's number for the day.")
    ticket_date = serializers.DateField()
    status = serializers.CharField()
    customer_name = serializers.CharField()
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


class CallReservationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    party_size = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    status = serializers.CharField()


class CallDetailOutput(CallOutput):
    """A call with what was said and what it did."""

    orders_created = None
    reservations_created = None
    transcript = TranscriptLineOutput(many=True)
    usage = serializers.DictField(help_text='What the agent consumed: {"models": [{...per model...}]}.')
    orders = CallOrderOutput(many=True, help_text="The orders the call placed.")
    reservations = CallReservationOutput(many=True, help_text="The bookings the call made.")


class CallFilterInput(serializers.Serializer):
    """Call history filters (query parameters), each optional; a bad value is a 400 naming it."""

    from_ = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD) on the business's clocks, included."
    )
    to = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD) on the business's clocks, included.")
    number = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The id of one of the business's numbers (now or formerly its).",
    )
    status = serializers.ChoiceField(choices=CallRecord.Status.choices, required=False)
    reason = serializers.ChoiceField(choices=CallRecord.Reason.choices, required=False)
    caller = serializers.CharField(
        required=False, max_length=64, help_text='The caller\'s number in any format ("333 123 4567", "+39 333...").'
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword, so declared under another name
        return {name: fields[name] for name in ("from", "to", "number", "status", "reason", "caller")}

    def validate_caller(self, value: str) -> str:
        e164 = to_e164(value)
        if e164 is None:
            raise serializers.ValidationError(INVALID_MESSAGE.format(region=settings.PHONE_DEFAULT_REGION))
        return e164

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        errors = {name: [OUT_OF_RANGE] for name in ("from", "to") if name in data and not in_range(data[name])}
        if errors:
            raise serializers.ValidationError(errors)
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise serializers.ValidationError({"to": ["The last day comes before the first (from)."]})
        return data
