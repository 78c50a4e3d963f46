"""Shapes of the auth endpoints and `me`."""

from __future__ import annotations

from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from restaurants.models import Membership


class LoginInput(InputSerializer):
    """Credentials: a username or an e-mail address, and the password."""

    username = serializers.CharField(max_length=254, help_text="Your username or your e-mail address.")
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class RefreshInput(InputSerializer):
    """A refresh token."""

    refresh = serializers.CharField(max_length=16 * 1024, help_text="The refresh token of your last pair.")


class TokenPairOutput(serializers.Serializer):
    """A new access token and the refresh token that renews it."""

    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`; valid 15 minutes.")
    refresh = serializers.CharField(
        help_text="Exchange at /auth/refresh/ for a new pair (once: it is used up); valid 30 days."
    )


class MembershipOutput(serializers.Serializer):
    business_id = serializers.IntegerField()
    business_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    timezone = serializers.CharField(help_text="The business's IANA time zone: its times are shown in it.")
    currency = serializers.CharField(help_text="The business's ISO 4217 currency.")


class MeOutput(serializers.Serializer):
    """The user, whether they are a stakeholder, and their role in each business."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    stakeholder = serializers.BooleanField(help_text="A platform operator (Django staff): the platform API is theirs.")
    memberships = MembershipOutput(many=True)
