"""Numbers, trunks and live calls as the platform's stakeholders see and change them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from telephony.api.serializers import (
    CLEARING,
    CallNumberOutput,
    ConfigOverrideField,
    ConfigOverridePatchField,
    SecondsField,
    call_number,
)
from telephony.models import PbxTrunk, SipNumber

_number = SipNumber._meta.get_field
_trunk = PbxTrunk._meta.get_field
MAX_ID = 2**63 - 1


class NamedRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlatformNumberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="E.164, e.g. +390551234567.")
    label = serializers.CharField(allow_blank=True)
    business = NamedRefOutput(allow_null=True, help_text="The business it answers for; null in the pool.")
    trunk = NamedRefOutput(allow_null=True, help_text="The trunk that carries it, if any.")
    is_active = serializers.BooleanField(help_text="An inactive number answers no calls.")
    max_concurrent_calls = serializers.IntegerField(help_text="Calls it takes at once.")
    live_calls = serializers.IntegerField(source="live_call_count", help_text="Calls holding a slot on it now.")
    config_override = ConfigOverrideField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    assigned_by = serializers.SerializerMethodField(help_text="Who assigned it (a username); null in the pool.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assigned_by(self, number: SipNumber) -> str | None:
        return number.assigned_by.get_username() if number.assigned_by_id else None


class PlatformNumberFilterInput(serializers.Serializer):
    """Filters of the numbers list (query parameters), each optional."""

    business = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                        help_text="Only this business's numbers (its id).")  # fmt: skip
    active = serializers.BooleanField(required=False, allow_null=True, help_text="true: active ones; false: not.")
    assigned = serializers.BooleanField(
        required=False, allow_null=True, help_text="true: held by a business; false: in the pool."
    )
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text='A number typed any way ("055 1234567"), or text in its digits, label or business name.',
    )


class PlatformNumberCreateInput(InputSerializer):
    """A new number for the pool, or straight for a business (its assignment is recorded)."""

    number = serializers.CharField(max_length=64, help_text='As people type it: "+39 055 123 4567", "055 1234567".')
    label = serializers.CharField(max_length=_number("label").max_length, required=False, allow_blank=True)
    business = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                        help_text="Assign it at once to this business (its id).")  # fmt: skip
    trunk = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                     help_text="The PBX trunk that carries it (its id).")  # fmt: skip
    is_active = serializers.BooleanField(required=False)
    max_concurrent_calls = serializers.IntegerField(required=False, help_text="Calls it takes at once (default 1).")
    config_override = ConfigOverrideField(required=False, help_text="Agent settings for this number.")


class PlatformNumberUpdateInput(InputSerializer):
    """PATCH: only the fields sent change. The holder changes through assign, reassign and unassign."""

    label = serializers.CharField(max_length=_number("label").max_length, required=False, allow_blank=True)
    trunk = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                     help_text="The PBX trunk that carries it (its id); null for none.")  # fmt: skip
    is_active = serializers.BooleanField(required=False)
    max_concurrent_calls = serializers.IntegerField(required=False)
    config_override = ConfigOverridePatchField(
        required=False, help_text=f'Merged key by key: {{"greeting": "..."}} sets a key; {CLEARING}'
    )


class AssignInput(InputSerializer):
    business = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The business's id.")


class PlatformLiveCallOutput(serializers.Serializer):
    """A call holding a slot now, on any tenant."""

    id = serializers.IntegerField(source="call_record_id", help_text="The call's id (its record).")
    business = NamedRefOutput()
    number = serializers.SerializerMethodField()
    caller = serializers.CharField(source="caller_number", allow_blank=True)
    started_at = serializers.DateTimeField()
    duration_seconds = SecondsField(source="live_for", help_text="How long it has lasted so far.")
    last_heartbeat_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text="No heartbeat within the lease: its slot is about to be reclaimed.")
    worker_id = serializers.CharField(allow_blank=True, help_text="The agent worker serving it.")

    @extend_schema_field(CallNumberOutput)
    def get_number(self, call: Any) -> dict[str, Any] | None:
        return call_number(call.sip_number, call.sip_number.business_id)


class LiveCallFilterInput(serializers.Serializer):
    business = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                        help_text="Only this business's calls (its id).")  # fmt: skip


class TrunkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    allowed_addresses = serializers.ListField(child=serializers.CharField(), help_text="IP addresses or CIDR blocks.")
    default_region = serializers.CharField(help_text="Region of the national numbers it presents (ISO 3166).")
    is_active = serializers.BooleanField()
    livekit_trunk_id = serializers.CharField(allow_blank=True, help_text="Set by `manage.py livekit_sync`.")
    numbers = serializers.IntegerField(source="number_count", help_text="Numbers it carries.")
    created_at = serializers.DateTimeField()


_ADDRESSES_HELP = "Source IP addresses or CIDR blocks allowed to send calls (e.g. 203.0.113.10, 10.20.0.0/24)."


class TrunkCreateInput(InputSerializer):
    """A PBX or carrier trunk, trusted by the addresses its calls come from."""

    name = serializers.CharField(max_length=_trunk("name").max_length)
    allowed_addresses = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=256, help_text=_ADDRESSES_HELP
    )
    default_region = serializers.CharField(max_length=2, required=False, help_text="ISO 3166 (default IT).")
    is_active = serializers.BooleanField(required=False)


class TrunkUpdateInput(InputSerializer):
    """PATCH: only the fields sent change (the address list is replaced as a whole)."""

    name = serializers.CharField(max_length=_trunk("name").max_length, required=False)
    allowed_addresses = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=256, required=False, help_text=_ADDRESSES_HELP
    )
    default_region = serializers.CharField(max_length=2, required=False)
    is_active = serializers.BooleanField(required=False)
