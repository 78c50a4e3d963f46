"""What every tool shares: running a service off the event loop and turning refusals into speech."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from livekit.agents import RunContext, StopResponse, ToolError

T = TypeVar("T")

_TODAY = {"today", "oggi", "heute", "aujourd'hui", "hoy"}
_TOMORROW = {"tomorrow", "domani", "morgen", "demain", "mañana"}
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*$")


async def call(context: RunContext, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run `fn` (sync, database work) in Django's thread; a refusal becomes words the LLM can say.

    A ValidationError from a service is the caller's problem to hear about (a ToolError with
    every message); anything else is ours: the call apologises and ends cleanly.
    """
    try:
        return await database_sync_to_async(fn)(*args, **kwargs)
    except ToolError:
        raise
    except ValidationError as exc:
        raise ToolError(" ".join(exc.messages)) from None
    except Exception as exc:
        context.userdata.runner.fail(exc)
        raise StopResponse() from None


def parse_day(value: str, today: date) -> date:
    text = (value or "").strip().lower()
    if text in _TODAY:
        return today
    if text in _TOMORROW:
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ToolError(f"'{value}' is not a date I understand; give it as YYYY-MM-DD.") from None


def parse_time(value: str) -> time:
    match = _TIME.match(value or "")
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ToolError(f"'{value}' is not a time I understand; give it as HH:MM in 24-hour time.")
