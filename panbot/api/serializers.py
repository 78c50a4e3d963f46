"""Input serializers: parse a request body strictly, so a typo or a stray field is an error, not a silent no-op.

Every API input serializer derives from `InputSerializer`:

- a field it does not declare (or declares read-only) is refused ("Unknown field."), which is
  also how a tenant id in a payload is treated: the server takes the business from the URL;
- JSON types are not coerced: a string field refuses 12, a boolean refuses "yes" or 1, an
  integer refuses "12", 12.5 and true. DRF's fields would quietly convert them.

Serializers parse and shape; rules live in the services they feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

UNKNOWN_FIELD = "Unknown field."


def _wrong_type(field: serializers.Field[Any, Any, Any, Any], value: Any) -> str | None:
    """DRF's own sentence for a value of the wrong JSON type for `field`, or None when the type is right."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "A valid integer is required."
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return None if isinstance(value, str) else "Not a valid string."
    if isinstance(field, serializers.DictField):
        return (
            None
            if isinstance(value, Mapping)
            else f'Expected a dictionary of items but got type "{type(value).__name__}".'
        )
    return None


class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]  # inputs are dicts, not model instances
    """Base of every API input: refuses unknown fields and values of the wrong JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            for name in sorted(set(data) - writable):
                errors[name] = [UNKNOWN_FIELD]
            for name, field in self.fields.items():
                value = data.get(name, empty)
                if name in writable and value is not empty and (message := _wrong_type(field, value)):
                    errors[name] = [message]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}  # type: ignore[dict-item]  # DRF details are lists of strings here  # a wrong type says so, not what DRF made of the coerced value
        if errors:
            raise serializers.ValidationError(errors)
        return value


class NoInput(InputSerializer):
    """No fields: send nothing, or {} (any field is refused as unknown)."""


def parse(serializer_class: type[serializers.Serializer[Any]], request: Any, **kwargs: Any) -> Any:
    """The request body validated by `serializer_class`; a 400 with field errors (via the exception handler) if not."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def parse_query(serializer_class: type[serializers.Serializer[Any]], request: Any, **kwargs: Any) -> Any:
    """The query parameters validated by `serializer_class` (a plain Serializer: query values are text).

    Parameters it does not declare (`cursor`, `page_size`) are left to whoever reads them; a bad
    value is a 400 naming its parameter. Document them with `extend_schema(parameters=[serializer_class])`.
    """
    serializer = serializer_class(data=request.query_params, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
