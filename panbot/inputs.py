"""Reading what clients send: text the database can store.

Services and selectors use these so that no input a client can send ends in anything but a
ValidationError (or, for a lookup, "not found").
"""

from __future__ import annotations

# Django's code for the same refusal (ProhibitNullCharactersValidator, which forms run).
UNSTORABLE_CODE = "null_characters_not_allowed"


def storable(text: str | None) -> bool:
    """Whether PostgreSQL can store `text`: its text and jsonb types refuse NUL ("\\x00") with a DataError."""
    return text is None or "\x00" not in text


def unstorable_message(what: str) -> str:
    """The refusal of text with a NUL: `what` is how the caller would name it ("The note on Margherita")."""
    return f"{what} contains characters we cannot store."
