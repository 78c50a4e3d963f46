"""What the agent knows about a restaurant: where it is, when it is open, and its FAQ."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from rapidfuzz import fuzz, process

from panbot.phone import format_international
from panbot.text import fold
from restaurants.models import Business, Closure, FaqEntry, Membership, OpeningHours
from restaurants.schedule import OUT_OF_RANGE, Period, Schedule, day_name, in_range, spoken_when

# How far ahead "next opening" looks: a fortnight covers weekly hours plus a holiday closure.
NEXT_OPENING_DAYS = 14
CLOSURES_AHEAD_DAYS = 60
CLOSURES_LISTED = 5


@dataclass(frozen=True)
class DayHours:
    """One local date's opening periods (none when closed); `closed_reason` is set when a closure overrides them."""

    date: date
    periods: tuple[Period, ...]
    closed_reason: str | None = None

    @property
    def weekday(self) -> str:
        return day_name(self.date)

    @property
    def is_closed(self) -> bool:
        return not self.periods

    def as_text(self) -> str:
        label = f"{self.weekday} {self.date.day} {self.date:%B}"
        if self.closed_reason is not None:
            return f"{label}: closed{f' ({self.closed_reason})' if self.closed_reason else ''}"
        if not self.periods:
            return f"{label}: closed"
        return f"{label}: {', '.join(p.as_text() for p in self.periods)}"


@dataclass(frozen=True)
class ClosureInfo:
    """A whole-day closure coming up."""

    date: date
    reason: str


@dataclass(frozen=True)
class BusinessInfo:
    """The facts a caller asks about, all in the business's time zone."""

    name: str
    address: str
    phone: str  # the restaurant's public number in E.164, "" when unset
    timezone: str
    now: datetime  # local time when this was computed
    today: DayHours
    week: tuple[DayHours, ...]  # today and the six days after
    open_now: bool
    closes_at: datetime | None  # end of the current period when open
    next_opening: datetime | None  # start of the next period after now (within two weeks)
    upcoming_closures: tuple[ClosureInfo, ...]

    def as_text(self) -> str:
        """A compact block for an LLM prompt."""
        lines = [f"{self.name}"]
        if self.address:
            lines.append(f"Address: {self.address}")
        if self.phone:
            lines.append(f"Phone: {format_international(self.phone)}")
        lines.append(f"Now: {self.now:%A %d %B %Y %H:%M} ({self.timezone})")
        if self.open_now and self.closes_at is not None:
            lines.append(f"Open now, until {self.closes_at:%H:%M}.")
        else:
            lines.append("Closed now.")
        if self.next_opening is not None and not self.open_now:
            lines.append(f"Opens next {spoken_when(self.next_opening, self.now, ZoneInfo(self.timezone))}.")
        lines.append("Hours this week:")
        lines.extend(f"- {day.as_text()}" for day in self.week)
        if self.upcoming_closures:
            closures = "; ".join(
                f"{day_name(c.date)} {c.date.day} {c.date:%B}{f' ({c.reason})' if c.reason else ''}"
                for c in self.upcoming_closures
            )
            lines.append(f"Upcoming closures: {closures}.")
        return "\n".join(lines)


def business_info(business: Business, *, now: datetime | None = None) -> BusinessInfo:
    """Address, phone, this week's hours, whether it is open now and when it next opens, and closures ahead.

    Raises ValidationError (on `now`) for a `now` that is not a datetime or is at the ends of
    Python's calendar (`datetime.max`): there is no week to describe there.
    """
    if now is not None and not isinstance(now, datetime):
        raise ValidationError({"now": ["Give the time as a date and time."]})
    if now is not None and not in_range(now):
        raise ValidationError({"now": [OUT_OF_RANGE]})
    tz = business.tz
    instant = (now or timezone.now()).astimezone(UTC)
    local_now = instant.astimezone(tz)
    today = local_now.date()
    schedule = Schedule(business, today)

    def day_hours(day: date) -> DayHours:
        reason = schedule.closures.get(day)
        return DayHours(date=day, periods=tuple(schedule.periods_on(day)), closed_reason=reason)

    week = tuple(day_hours(today + timedelta(days=offset)) for offset in range(7))
    current = schedule.period_at(instant)
    upcoming = [p for p in schedule.next_periods(instant, days=NEXT_OPENING_DAYS) if p.start > instant]
    closures = tuple(
        ClosureInfo(date=day, reason=reason)
        for day, reason in sorted(schedule.closures.items())
        if today <= day <= today + timedelta(days=CLOSURES_AHEAD_DAYS)
    )[:CLOSURES_LISTED]
    return BusinessInfo(
        name=business.name,
        address=business.address,
        phone=business.public_phone,
        timezone=business.timezone,
        now=local_now,
        today=week[0],
        week=week,
        open_now=current is not None,
        closes_at=current.local_end if current else None,
        next_opening=upcoming[0].local_start if upcoming else None,
        upcoming_closures=closures,
    )


def user_may_act_for(user: Any, business_id: int) -> bool:
    """Whether `user` may change `business_id`'s orders and bookings: a stakeholder or a member.

    `None` stands for the platform itself (the phone agent acting for the caller) and may.
    """
    if user is None:
        return True
    if not getattr(user, "is_active", False):
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(user=user, business_id=business_id).exists()


# --- FAQ ---------------------------------------------------------------------------------------

# Words that carry no topic in the questions callers ask (English and Italian, the demo's
# languages). Without them "do you have parking" matches on "parking", not on "do you have".
_STOPWORD_TEXT = """
    a an the is are am be been do does did you your yours we our us i me my to of in on for at by and or with
    have has had can could would should will shall may might there here it its this that these those what when
    where how which who whom whose any some much many please tell know want like get just also
    il lo la i gli le un una uno di da del della dei delle in con su per tra fra e ed o che chi come quando dove
    avete avere ha ho hai ci si se sono siete posso potete può puo vorrei voi noi mi ti vi al allo alla ai
    agli alle nel nella nei sul sulla qual quale quali cosa
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")
# A topic word matched in the answer counts for less than one matched in the question.
_ANSWER_WEIGHT = 0.8
# Below this a word pair is a coincidence of letters ("parking" / "bring" is 67), not a slip.
_WORD_MIN = 75.0
# The mean over the query's topic words: a third of them clearly matched, or more.
FAQ_MIN_SCORE = 35.0


def topic_words(text: str) -> list[str]:
    """Lower-cased, accent-free words of `text` without stopwords (the words a fuzzy search should weigh)."""
    return [w for w in _TOKEN.findall(fold(text)) if w not in _STOPWORDS and len(w) > 1]


def _best(word: str, candidates: list[str]) -> float:
    if not candidates:
        return 0.0
    score = process.extractOne(word, candidates, scorer=fuzz.ratio)[1]
    return score if score >= _WORD_MIN else 0.0


def _faq_score(query_words: list[str], question_words: list[str], answer_words: list[str]) -> float:
    # Each topic word of the query scores its best fuzzy match (speech-to-text misspells
    # single words: "parkin", "glutten"); the entry's score is their mean.
    total = 0.0
    for word in query_words:
        total += max(_best(word, question_words), _ANSWER_WEIGHT * _best(word, answer_words))
    return total / len(query_words)


def faq_list(business: Business) -> list[FaqEntry]:
    """The business's active FAQ entries in their order (few enough to put whole in a prompt)."""
    return list(FaqEntry.objects.filter(business=business, is_active=True).order_by("position", "id"))


def faq_search(business: Business, query: str, *, limit: int = 3) -> list[FaqEntry]:
    """The active FAQ entries of `business` that best answer `query`, best first; [] when none is close."""
    query_words = topic_words(str(query or ""))
    if not query_words or limit < 1:
        return []
    scored = []
    for entry in faq_list(business):
        score = _faq_score(query_words, topic_words(entry.question), topic_words(entry.answer))
        if score >= FAQ_MIN_SCORE:
            scored.append((score, -entry.position, -entry.pk, entry))
    scored.sort(key=lambda row: row[:3], reverse=True)
    return [row[3] for row in scored[:limit]]


def faq_entries_for_business(business_id: int) -> QuerySet[FaqEntry]:
    """All the business's FAQ entries, active or not (the API lists them for editing)."""
    return FaqEntry.objects.filter(business_id=business_id)


# --- The owners' API ---------------------------------------------------------------------------


def business_members(business_id: int) -> QuerySet[Membership]:
    """The business's memberships with their users (one query for a page)."""
    return Membership.objects.filter(business_id=business_id).select_related("user")


def business_hours(business_id: int) -> list[OpeningHours]:
    """The business's weekly opening periods, Monday first."""
    return list(OpeningHours.objects.filter(business_id=business_id).order_by("weekday", "opens_at"))


def business_closures(business_id: int) -> QuerySet[Closure]:
    """The business's whole-day closures."""
    return Closure.objects.filter(business_id=business_id)
