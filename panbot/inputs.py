"""Reading what clients send: numbers as tool calls spell them, row ids, and text the database can store.

Services and selectors use these so that no input a client can send ends in anything but a
ValidationError (or, for a lookup, "not found").
"""

from __future__ import annotations

from typing import Any

# No count or row id has more digits (a bigint has 19). int() of a longer string only wastes
# time, and over 4300 digits it raises ValueError.
MAX_DIGITS = 18

# Far deeper than any JSON we accept needs (an object of settings, a list of order lines with options).
# Python's JSON parser and encoder recurse: JSON nested about a thousand deep raises RecursionError.
MAX_JSON_DEPTH = 20

# Django's code for the same refusal (ProhibitNullCharactersValidator, which forms run).
UNSTORABLE_CODE = "null_characters_not_allowed"


def as_int(value: Any) -> int | None:
    """An integer from a tool call or a JSON body: an int, or a string of digits ("2"); None otherwise.

    A bool is never a count, and a string of more than MAX_DIGITS digits is no count or id either.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.strip()
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        if digits.isdecimal() and len(digits) <= MAX_DIGITS:
            return int(digits)
    return None


def as_id(value: Any) -> int | None:
    """A row id as services and selectors take it (an int, never a bool); None for anything else, found nowhere."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def storable(text: str | None) -> bool:
    """Whether PostgreSQL can store `text`: its text and jsonb types refuse NUL ("\\x00") with a DataError."""
    return text is None or "\x00" not in text


def unstorable_message(what: str) -> str:
    """The refusal of text with a NUL: `what` is how the caller would name it ("The note on Margherita")."""
    return f"{what} contains characters we cannot store."


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, counted without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
