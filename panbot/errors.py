"""Errors services raise: one ValidationError listing every problem, each a sentence a caller can hear.

`" ".join(exc.messages)` is what the voice agent says; `exc.message_dict` is an API's 400 body;
`exc.error_dict[field][i].code` tells a program which rule failed (e.g. "party_too_large").
A row that is not there (or is another business's) is `NotFound` instead: an API's 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from panbot.inputs import UNSTORABLE_CODE, storable, unstorable_message
from panbot.phone import to_e164


class NotFound(Exception):
    """A tenant-scoped lookup found nothing (or found another business's row): an API answers 404.

    Deliberately not a ValidationError: Django forms and DRF serializers turn any ValidationError
    raised while validating into a 400 field error, and so does any handler that catches
    ValidationError, so an outsider would get 400 instead of 404 depending on who caught it
    first. It reads like one (`messages`, `message_dict`, `error_dict`), so whatever speaks or
    returns a refusal handles both the same way once it names both.
    """

    def __init__(self, message: Any) -> None:
        # Django's own shapes: {field: [sentences]}, a list of sentences, or one sentence.
        self.error = ValidationError(message)
        super().__init__(message)

    @property
    def messages(self) -> list[str]:
        return self.error.messages

    @property
    def message_dict(self) -> dict[str, list[str]]:
        return self.error.message_dict

    @property
    def error_dict(self) -> dict[str, list[ValidationError]]:
        return self.error.error_dict

    def __str__(self) -> str:
        return " ".join(self.messages)


class Conflict(Exception):
    """A valid request the row's current state refuses (a number another business holds): an API answers 409.

    `message` is a sentence for people, `code` says which state refused it, for programs.
    """

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ErrorCollector:
    """Gathers every problem before raising, so the caller hears all of them at once, not one per try."""

    def __init__(self) -> None:
        self._errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str | None, message: str, code: str = "invalid") -> None:
        errors = self._errors.setdefault(field or NON_FIELD_ERRORS, [])
        if all(e.message != message for e in errors):  # the same sentence twice helps nobody on the phone
            errors.append(ValidationError(message, code=code))

    def require_storable(self, field: str, text: str | None, what: str) -> bool:
        """Refuse `text` the database cannot store (a NUL), naming it as `what` ("The order note"); True when fine."""
        if storable(text):
            return True
        self.add(field, unstorable_message(what), code=UNSTORABLE_CODE)
        return False

    def text(self, field: str, value: object, *, max_length: int, what: str, too_long: str,
             missing: str | None = None) -> str:  # fmt: skip
        """`value` stripped; refused (with these sentences) when required and empty, too long, or unstorable."""
        text = str(value or "").strip()
        if not text:
            if missing is not None:
                self.add(field, missing)
        elif len(text) > max_length:
            self.add(field, too_long)
        else:
            self.require_storable(field, text, what)
        return text

    def name(self, field: str, value: object, *, max_length: int, purpose: str) -> str:
        """The name the {purpose} goes under, stripped; required ("Tell us a name for the {purpose}.")."""
        return self.text(
            field, value, max_length=max_length, what=f"The name for the {purpose}",
            missing=f"Tell us a name for the {purpose}.",
            too_long=f"Give a shorter name for the {purpose}; at most {max_length} characters.",
        )  # fmt: skip

    def phone(self, field: str, value: object, *, purpose: str) -> str | None:
        """`value` in E.164, or None after refusing it ("to reach you about the {purpose}")."""
        e164 = to_e164(value if isinstance(value, str) else None)
        if e164 is None:
            self.add(
                field,
                f"We need a phone number to reach you about the {purpose}."
                if not str(value or "").strip()
                else "That phone number does not look right; please say it again with the area code.",
            )
        return e164

    def call_record(self, call: Any, business: Any) -> None:
        """Refuse a call record (linked to an order or a booking) of another business."""
        if call is not None and call.business_id != business.pk:
            self.add("call", "This call was not made to this restaurant.")

    def __bool__(self) -> bool:
        return bool(self._errors)

    def has(self, field: str) -> bool:
        return field in self._errors

    def raise_if_any(self) -> None:
        if self._errors:
            # General problems ("not taking orders right now") are said first.
            general = {NON_FIELD_ERRORS: self._errors[NON_FIELD_ERRORS]} if NON_FIELD_ERRORS in self._errors else {}
            raise ValidationError({**general, **self._errors})  # type: ignore[dict-item]  # NON_FIELD_ERRORS is a str


# What a 401 offers the client (RFC 9110: a 401 names the authentication scheme it wants).
WWW_AUTHENTICATE = 'Bearer realm="api"'


class AuthenticationRefused(Exception):
    """A credential (a password, a token) was refused: an API answers 401 with `{"detail", "code"}`.

    `code` tells a program why ("token_expired", "token_revoked", "invalid_credentials", ...).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TooManyAttempts(Exception):
    """Too many failed attempts (logins) in a window: an API answers 429 with Retry-After."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
