"""Businesses as the platform's stakeholders see and create them."""

from __future__ import annotations

from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from restaurants.agent_config import LANGUAGE_CHOICES
from restaurants.models import Business

_field = Business._meta.get_field


class PlatformBusinessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    is_active = serializers.BooleanField(help_text="An inactive business's numbers refuse new calls.")
    timezone = serializers.CharField()
    default_language = serializers.CharField()
    max_concurrent_calls = serializers.IntegerField(help_text="Calls it takes at once across its numbers.")
    address = serializers.CharField(allow_blank=True)
    public_phone = serializers.CharField(allow_blank=True, help_text="E.164, or empty.")
    numbers = serializers.IntegerField(source="number_count", help_text="Numbers it holds.")
    live_calls = serializers.IntegerField(source="live_call_count", help_text="Calls holding its slots now.")
    created_at = serializers.DateTimeField()


class PlatformBusinessFilterInput(serializers.Serializer):
    """Filters of the businesses list (query parameters), each optional."""

    active = serializers.BooleanField(required=False, allow_null=True, help_text="true: active ones; false: not.")
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Text in the name or slug."
    )


class PlatformBusinessCreateInput(InputSerializer):
    """A new restaurant. Its menu, hours and members are set up afterwards (admin, owners' API)."""

    name = serializers.CharField(max_length=_field("name").max_length)
    slug = serializers.CharField(
        max_length=_field("slug").max_length,
        required=False,
        allow_blank=True,
        help_text="Letters, digits, hyphens; made from the name when left out.",
    )
    timezone = serializers.CharField(max_length=_field("timezone").max_length, required=False,
                                     help_text="IANA zone, e.g. Europe/Rome (the default).")  # fmt: skip
    default_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    max_concurrent_calls = serializers.IntegerField(required=False, help_text="Default 3.")
    address = serializers.CharField(max_length=_field("address").max_length, required=False, allow_blank=True)
    public_phone = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                         help_text="Typed any way people write it; stored in E.164.")  # fmt: skip
