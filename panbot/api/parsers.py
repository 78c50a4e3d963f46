"""The API reads JSON only, and refuses JSON no service could take before it reaches one."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from panbot.inputs import MAX_JSON_DEPTH

# A lone UTF-16 surrogate ("\ud800") is legal JSON but not text: PostgreSQL cannot store it
# (the driver raises while encoding), so it is refused here like malformed JSON.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check(value: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and lone surrogates anywhere, without recursing."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ParseError("JSON parse error - the body contains an invalid Unicode escape (a lone surrogate).")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN or Infinity) that also refuses what would crash later."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # Python's parser recurses: about a thousand levels of [[[[...
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        _check(data)
        return data
