"""What the voice agent is told: the override schema and the effective configuration.

A business sets defaults; each phone number may override some of them in its
`config_override` JSON, validated here against an explicit schema so that an
unknown key or an oversized value is refused with a message naming it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Annotated, Any, Literal

import pydantic
from django.core.exceptions import ValidationError
from django.db import models

from panbot.inputs import storable
from panbot.phone import to_e164

# Languages the agent can be configured to speak (ISO 639-1).
LANGUAGE_CHOICES = [
    ("it", "Italian"),
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("ja", "Japanese"),
    ("zh", "Chinese"),
]
LANGUAGE_CODES = tuple(code for code, _ in LANGUAGE_CHOICES)

GREETING_MAX = 500
SYSTEM_PROMPT_MAX = 8000
VOICE_MAX = 100
OVERFLOW_MESSAGE_MAX = 500
MAX_CALL_MINUTES_MAX = 60


class OverflowAction(models.TextChoices):
    """What a caller hears when the number or the restaurant is at its call limit."""

    BUSY = "busy", "Busy signal (486 Busy Here)"
    MESSAGE = "message", "Spoken message, then hang up"
    TRANSFER = "transfer", "Transfer to the fallback number"


def _phone(value: str) -> str:
    e164 = to_e164(value)
    if e164 is None:
        raise ValueError("is not a valid phone number")
    return e164


class ConfigOverride(pydantic.BaseModel):
    """The keys a phone number may override; anything else is refused."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    greeting: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=GREETING_MAX)] | None = None
    language: Literal[LANGUAGE_CODES] | None = None  # type: ignore[valid-type]
    system_prompt: Annotated[str, pydantic.StringConstraints(max_length=SYSTEM_PROMPT_MAX)] | None = None
    voice: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=VOICE_MAX)] | None = None
    max_call_minutes: Annotated[int, pydantic.Field(ge=1, le=MAX_CALL_MINUTES_MAX)] | None = None
    overflow_action: Literal["busy", "message", "transfer"] | None = None
    overflow_message: Annotated[str, pydantic.StringConstraints(max_length=OVERFLOW_MESSAGE_MAX)] | None = None
    transfer_number: Annotated[str, pydantic.AfterValidator(_phone)] | None = None

    @pydantic.field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # After each key's own checks: PostgreSQL's jsonb cannot hold a NUL (saving it is a DataError).
        if isinstance(value, str) and not storable(value):
            raise ValueError("contains characters we cannot store")
        return value


OVERRIDE_KEYS = tuple(ConfigOverride.model_fields)


def _describe(error: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "config_override"
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"Unknown key '{key}'; allowed keys are {', '.join(OVERRIDE_KEYS)}."
    if kind == "string_too_long":
        return f"'{key}' is too long: at most {ctx['max_length']} characters."
    if kind == "string_too_short":
        return f"'{key}' must not be empty."
    if kind in {"less_than_equal", "greater_than_equal"}:
        return f"'{key}' must be between 1 and {MAX_CALL_MINUTES_MAX}."
    if kind == "literal_error":
        return f"'{key}' must be one of {ctx.get('expected', '')}."
    if kind == "value_error":
        return f"'{key}' {ctx.get('error', 'is invalid')!s}."
    if kind == "model_type":
        return "The override must be a JSON object of key: value."
    return f"'{key}' is invalid: {error['msg']}."


def validate_config_override(data: Any) -> dict[str, Any]:
    """The override, normalised (keys set to null dropped); ValidationError naming each bad key."""
    if data in (None, ""):
        return {}
    try:
        parsed = ConfigOverride.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError([_describe(err) for err in exc.errors()], code="invalid_config_override") from None
    return parsed.model_dump(exclude_none=True)


@dataclasses.dataclass(frozen=True)
class EffectiveConfig:
    """The agent configuration for one call: business defaults, overridden key by key by the number."""

    greeting: str
    language: str
    system_prompt: str
    voice: str
    max_call_minutes: int
    overflow_action: str
    overflow_message: str
    transfer_number: str
    from_number: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["from_number"] = sorted(self.from_number)
        return data

    @property
    def version(self) -> str:
        """A short digest of what shapes the conversation (greeting, prompt, language, voice).

        Stored on each call, so an owner can compare the calls before and after a prompt
        change; limits and overflow settings are left out on purpose (they do not change
        what the agent says to a caller it answers).
        """
        return config_version(
            greeting=self.greeting, system_prompt=self.system_prompt, language=self.language, voice=self.voice
        )


CONFIG_VERSION_LENGTH = 12


def config_version(*, greeting: str, system_prompt: str, language: str, voice: str) -> str:
    """The digest EffectiveConfig.version gives: sha256 of the four values as canonical JSON, 12 hex digits."""
    canonical = json.dumps(
        {"greeting": greeting, "language": language, "system_prompt": system_prompt, "voice": voice},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:CONFIG_VERSION_LENGTH]


def effective_config(business: Any, override: dict[str, Any] | None = None) -> EffectiveConfig:
    """Merge `business`'s agent defaults with a number's (already validated) override."""
    values = {
        "greeting": business.agent_greeting,
        "language": business.default_language,
        "system_prompt": business.agent_system_prompt,
        "voice": business.agent_voice,
        "max_call_minutes": business.max_call_minutes,
        "overflow_action": business.overflow_action,
        "overflow_message": business.overflow_message,
        "transfer_number": business.transfer_number,
    }
    # Stored overrides were validated on write; re-validating here would turn a
    # schema change into failed calls, so unknown keys are ignored instead.
    applied = {key: value for key, value in (override or {}).items() if key in values and value is not None}
    values.update(applied)
    return EffectiveConfig(**values, from_number=frozenset(applied))
