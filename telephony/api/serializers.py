"""Numbers as an owner sees and configures them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from panbot.api.schema import pydantic_openapi
from panbot.api.serializers import InputSerializer
from restaurants.agent_config import OVERRIDE_KEYS, ConfigOverride, effective_config
from telephony.models import SipNumber

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
