"""Phone numbers in E.164, parsed with Google's libphonenumber (the `phonenumbers` package)."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# E.164: '+', a non-zero country code digit, at most 15 digits in all.
E164_REGEX = r"^\+[1-9][0-9]{6,14}$"
_E164 = re.compile(E164_REGEX)
# Longer than any real number in any format people type; bounds parsing work on hostile input.
_MAX_INPUT = 64

INVALID_MESSAGE = "Enter a valid phone number, such as +39 055 123 4567 or, for {region}, a national number."


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """The number in E.164 (`+390551234567`), or None when `raw` is not a valid phone number.

    National forms ("055 1234567") are read in `region` (default PHONE_DEFAULT_REGION).
    """
    if not raw or not isinstance(raw, str) or len(raw) > _MAX_INPUT:
        return None
    try:
        parsed = phonenumbers.parse(raw, (region or settings.PHONE_DEFAULT_REGION).upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(raw: str, region: str | None = None) -> str:
    """`to_e164`, raising a ValidationError that says what is wanted."""
    e164 = to_e164(raw, region)
    if e164 is None:
        raise ValidationError(
            INVALID_MESSAGE.format(region=region or settings.PHONE_DEFAULT_REGION),
            code="invalid_phone",
        )
    return e164


def format_international(e164: str) -> str:
    """`+390551234567` -> `+39 055 123 4567`, for people to read; unparseable input comes back as is."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


class PhoneNumberFormField(forms.CharField):
    """Accepts what people type ("+39 055 123 4567", "055 1234567", "+39-055-1234567")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", _MAX_INPUT)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return parse_phone(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("+"):
            return format_international(value)
        return value


class PhoneNumberField(models.CharField):  # type: ignore[type-arg]  # Django's own CharField is not generic at run time
    """A phone number stored in E.164; typed forms are normalised on clean and on save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 16:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return parse_phone(value)

    def get_prep_value(self, value: Any) -> Any:
        # CharField runs to_python here, which would make a lookup with an invalid
        # string raise instead of matching nothing; compare and store values as given.
        value = models.Field.get_prep_value(self, value)
        return value if value is None else str(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value and not _E164.fullmatch(value):
            # Code that bypassed full_clean still stores E.164 when the input is valid;
            # invalid input is left for the database's check constraint to refuse.
            value = to_e164(value) or value
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]  # Django passes form_class only as a keyword
        kwargs.setdefault("form_class", PhoneNumberFormField)
        kwargs["max_length"] = _MAX_INPUT
        return super().formfield(**kwargs)
