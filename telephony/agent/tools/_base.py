"""What every tool shares: running a service off the event loop and turning refusals into speech."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.utils import timezone
from livekit.agents import RunContext, StopResponse, ToolError

from panbot.errors import NotFound
from panbot.tenancy import in_business_scope
from restaurants.models import Business
from restaurants.schedule import NonexistentTime, local_datetime

T = TypeVar("T")

_TODAY = {"today", "oggi", "heute", "aujourd'hui", "hoy"}
_TOMORROW = {"tomorrow", "domani", "morgen", "demain", "mañana"}
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*$")


async def call(context: RunContext, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run `fn` (sync, database work) in Django's thread, in the call's business scope (panbot.tenancy);
    a refusal becomes words the LLM can say.

    A ValidationError or NotFound from a service is the caller's problem to hear about (a
    ToolError with every message); anything else is ours: the call apologises and ends cleanly.
    """
    try:
        return await database_sync_to_async(in_business_scope)(context.userdata.business_id, fn, *args, **kwargs)
    except ToolError:
        raise
    except (ValidationError, NotFound) as exc:
        raise ToolError(" ".join(exc.messages)) from None
    except Exception as exc:
        context.userdata.runner.fail(exc)
        raise StopResponse() from None


# Dates a caller can mean: yesterday (a late-night call about "today") to a bit over a year ahead.
_DAYS_BACK, _DAYS_AHEAD = 1, 400
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def text(value: str, limit: int = 200) -> str:
    """A string argument from the model made safe to store and to echo: no control characters, bounded."""
    return _CONTROL.sub(" ", str(value or "")).strip()[:limit]


def parse_day(value: str, today: date) -> date:
    spoken = text(value, 40)
    lowered = spoken.lower()
    if lowered in _TODAY:
        return today
    if lowered in _TOMORROW:
        return today + timedelta(days=1)
    try:
        day = date.fromisoformat(lowered)
    except ValueError:
        raise ToolError(f"'{spoken}' is not a date I understand; give it as YYYY-MM-DD.") from None
    if not today - timedelta(days=_DAYS_BACK) <= day <= today + timedelta(days=_DAYS_AHEAD):
        raise ToolError(f"{day:%d %B %Y} is too far from today ({today:%d %B %Y}); check the date with the caller.")
    return day


def parse_time(value: str) -> time:
    match = _TIME.match(text(value, 20))
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ToolError(f"'{text(value, 20)}' is not a time I understand; give it as HH:MM in 24-hour time.")


def business_today(business: Business) -> date:
    """Today's date on the restaurant's clocks (what "today" and "tomorrow" mean on its phone)."""
    return timezone.now().astimezone(business.tz).date()


def caller_datetime(business: Business, day: str, at: str) -> datetime:
    """The date and time a caller asked for, as the model passes them ("tomorrow", "19:30"), aware in the
    business's zone.

    A time the clocks skip that night is refused with the services' sentence (`02:30 does not
    exist on Sunday 29 March: the clocks go forward that night.`), never moved to another
    time; a time they show twice is its first occurrence, as the services read it.
    """
    wall_day, wall_time = parse_day(day, business_today(business)), parse_time(at)
    try:
        return local_datetime(wall_day, wall_time, business.tz)
    except NonexistentTime as exc:
        raise ToolError(str(exc)) from None
