"""Forms of the stakeholder admin."""

from __future__ import annotations

import re

from django import forms

from restaurants.models import Business
from telephony.models import PbxTrunk


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
