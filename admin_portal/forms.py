"""Forms of the stakeholder admin."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from panbot.inputs import MAX_JSON_DEPTH, json_depth
from restaurants.models import Business
from telephony.models import PbxTrunk


class JSONField(forms.JSONField):
    """Django's JSON form field, refusing JSON nested deeper than MAX_JSON_DEPTH as invalid.

    Python's JSON parser and encoder recurse: JSON nested about a thousand deep raises
    RecursionError (a 500) while the form reads it or shows it again.
    """

    def to_python(self, value: Any) -> Any:
        try:
            converted = super().to_python(value)
            too_deep = json_depth(converted) > MAX_JSON_DEPTH
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            value = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        return InvalidJSONInput(data) if json_depth(value) > MAX_JSON_DEPTH else value


class CidrListField(forms.CharField):
    """One IP address or CIDR block per line (commas work too); validated by the model."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40})

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part for part in re.split(r"[\s,]+", text) if part]

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value


class PbxTrunkForm(forms.ModelForm):
    allowed_addresses = CidrListField(
        required=False, help_text="One IP address or CIDR block per line, e.g. 203.0.113.10 or 10.20.0.0/24."
    )

    class Meta:
        model = PbxTrunk
        fields = ["name", "allowed_addresses", "default_region", "is_active", "livekit_trunk_id"]


class AssignNumbersForm(forms.Form):
    """The confirmation step of the "assign to a business" action."""

    business = forms.ModelChoiceField(
        queryset=Business.objects.order_by("name"), help_text="The restaurant that will answer these numbers."
    )
