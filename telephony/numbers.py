"""Phone numbers out of what LiveKit SIP hands the agent: URIs, name-addrs and Diversion headers.

Everything here reads untrusted network input (a PBX or carrier wrote it), so it is
strict about what a number may look like and never raises: garbage gives None.

Accepted, each normalised to E.164 with `panbot.phone.to_e164`:
- plain numbers: `+390551234567`, `+39 055 123 4567`, `0551234567` (national, in `region`);
- `tel:` URIs (RFC 3966), with `;phone-context=+39` for local numbers;
- `sip:`/`sips:` URIs (RFC 3261) whose user part is a number, `sip:+390551234567@pbx;user=phone`;
- name-addrs with parameters, `"Mario" <sip:0551234567@10.0.0.5>;tag=x`;
- Diversion header values (RFC 5806): comma-separated name-addrs with `reason=`, `counter=`,
  `privacy=` parameters.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from panbot.phone import to_e164

logger = logging.getLogger(__name__)

# SIP header values worth parsing are short (a Diversion entry is ~100 characters);
# anything longer is refused before any work is done on it.
MAX_HEADER_LENGTH = 2048
# A forwarding chain longer than this is a loop or an attack, not a restaurant.
MAX_DIVERSION_ENTRIES = 10

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# What a dialable number may contain: ASCII digits, a leading '+', RFC 3966 visual
# separators and spaces. Letters are SIP user names ("sip:mario@..."), '*' and '#' are
# feature codes, and non-ASCII digits never appear in a SIP header, so all are refused.
_DIALABLE = re.compile(r"\+?\(?[0-9][0-9\-.() ]*", re.ASCII)
# An RFC 3966 parameter (";phone-context=+39", ";ext=22", ";isub=1"): a token, maybe "=value".
_PARAMETER = re.compile(r"[A-Za-z0-9\-]+(=[A-Za-z0-9\-_.!~*()+%:/\[\]&$]+)?", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_GLOBAL_PREFIX = re.compile(r"\+[0-9][0-9\-.()]*", re.ASCII)
# Shortest national significant number plus country code anywhere: shorter digit
# strings are extensions or feature codes, not a '+'-less international number.
_MIN_INTERNATIONAL_DIGITS = 8
# C0 controls (NUL, CR, LF...) and DEL never belong in an unfolded header value.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def extract_number(value: str | None, *, region: str | None = None) -> str | None:
    """The E.164 number in a SIP/tel URI, name-addr or plain number; None when there is none."""
    try:
        uri = _uri_of(value)
        return None if uri is None else _number_in_uri(uri, region)
    except Exception:
        # Unreachable by design; a bug here must cost one call its routing, not crash the agent.
        logger.exception("could not extract a number from %.100r", value)
        return None


def diversion_numbers(header: str | None, *, region: str | None = None) -> list[str]:
    """E.164 numbers of a Diversion header's entries that name one, top entry first, without repeats.

    Per RFC 5806 each redirecting hop adds its entry on top, so the first entry is the
    number that forwarded the call to us (for the usual single forward, the number the
    caller dialed) and the last is where the chain started.
    """
    numbers: list[str] = []
    for entry in _entries(header):
        number = extract_number(entry, region=region)
        if number is not None and number not in numbers:
            numbers.append(number)
    return numbers


def diversion_number(header: str | None, *, region: str | None = None) -> str | None:
    """The E.164 number of a Diversion header's first entry; None when it names none."""
    entries = _entries(header)
    return extract_number(entries[0], region=region) if entries else None


def _acceptable(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_HEADER_LENGTH and not _CONTROL.search(value)


def _entries(header: str | None) -> list[str]:
    """A header value split on the commas that separate entries (not those inside quotes or <>)."""
    if not _acceptable(header):
        return []
    entries: list[str] = []
    start, quoted, bracketed, escaped = 0, False, False, False
    for i, char in enumerate(header):
        if escaped:
            escaped = False
        elif quoted:
            escaped = char == "\\"
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "<":
            bracketed = True
        elif char == ">":
            bracketed = False
        elif char == "," and not bracketed:
            entries.append(header[start:i])
            start = i + 1
    entries.append(header[start:])
    return [entry.strip() for entry in entries if entry.strip()][:MAX_DIVERSION_ENTRIES]


def _uri_of(value: str | None) -> str | None:
    """The URI (or plain number) of a name-addr / addr-spec, without display name or header parameters."""
    if not _acceptable(value):
        return None
    text = value.strip()
    if text.startswith('"'):
        end = _closing_quote(text)
        if end is None:
            return None
        text = text[end + 1 :].lstrip()
        if not text.startswith("<"):
            return None  # a display name must be followed by <uri>
    if "<" in text:
        start = text.index("<")
        end = text.find(">", start)
        return text[start + 1 : end].strip() if end != -1 else None
    return text


def _closing_quote(text: str) -> int | None:
    escaped = False
    for i in range(1, len(text)):
        if escaped:
            escaped = False
        elif text[i] == "\\":
            escaped = True
        elif text[i] == '"':
            return i
    return None


def _number_in_uri(uri: str, region: str | None) -> str | None:
    scheme = _SCHEME.match(uri)
    if scheme is None:
        # No scheme: a plain number, or "number@host" as some PBXs write it.
        if "@" in uri:
            return _subscriber_number(uri.split("@", 1)[0], region)
        return _subscriber_number(uri, region) if ";" not in uri else None
    rest = uri[scheme.end() :]
    kind = scheme.group(1).lower()
    if kind == "tel":
        return _subscriber_number(rest.split("?", 1)[0], region)
    if kind in {"sip", "sips"}:
        if "@" not in rest:
            return None  # "sip:host": no user part, so no number
        userinfo = rest.split("@", 1)[0]
        user = userinfo.split(":", 1)[0]  # drop a (deprecated) ":password"
        return _subscriber_number(unquote(user), region)
    return None


def _subscriber_number(text: str, region: str | None) -> str | None:
    """An RFC 3966 telephone-subscriber ("+39-055-1234567", "0551234567;phone-context=+39") in E.164."""
    number, *params = text.strip().split(";")
    number = number.strip()
    params = [param.strip() for param in params]
    if not _DIALABLE.fullmatch(number) or not all(_PARAMETER.fullmatch(param) for param in params):
        return None
    context = next((p.split("=", 1)[1] for p in params if p.lower().startswith("phone-context=")), "")
    if not number.startswith("+") and _GLOBAL_PREFIX.fullmatch(context):
        # A local number within a global prefix: RFC 3966 prepends the prefix.
        return to_e164(context + number)
    e164 = to_e164(number, _region(region))
    if e164 is None and not number.startswith("+"):
        # Some carriers drop the '+' of international numbers ("390551234567").
        digits = "".join(_DIGITS.findall(number))
        if len(digits) >= _MIN_INTERNATIONAL_DIGITS:
            e164 = to_e164("+" + digits)
    return e164


def _region(region: object) -> str | None:
    return region if isinstance(region, str) and region else None
