"""What the agent knows about a restaurant: where it is, when it is open, and its FAQ."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from panbot import search
from panbot.phone import format_international
from panbot.search import ProcessMemo, best_ratio, topic_words
from restaurants.models import Business, Closure, FaqEntry, KnowledgeVersion, Membership, OpeningHours
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


def knowledge_version(business: Business) -> int:
    """How many times what the agent knows about `business` has changed (0 before the first change).

    Caches of prompts and search rows are keyed by it (see services.knowledge_version_bump).
    Free when `business` was loaded with select_related("knowledge_version") (the agent's
    tools load it so); one query otherwise.
    """
    if Business.knowledge_version.is_cached(business):
        row = getattr(business, "knowledge_version", None)
    else:
        row = KnowledgeVersion.objects.filter(business_id=business.pk).only("version").first()
    return row.version if row is not None else 0


def memo_key(kind: str, business: Business) -> tuple[object, ...]:
    """A per-process memo key for `kind` of data derived from `business` as it is now."""
    return (kind, business.pk, business.created_at, knowledge_version(business))


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

# A topic word matched in the answer counts for less than one matched in the question.
_ANSWER_WEIGHT = 0.8
# Below this a word pair is a coincidence of letters ("parking" / "bring" is 67), not a slip.
# The mean over the query's topic words: a third of them clearly matched, or more.
FAQ_MIN_SCORE = 35.0


def _faq_score(query_words: list[str], question_words: list[str], answer_words: list[str]) -> float:
    # Each topic word of the query scores its best fuzzy match (speech-to-text misspells
    # single words: "parkin", "glutten"); the entry's score is their mean.
    total = 0.0
    for word in query_words:
        total += max(best_ratio(word, question_words), _ANSWER_WEIGHT * best_ratio(word, answer_words))
    return total / len(query_words)


def faq_list(business: Business) -> list[FaqEntry]:
    """The business's active FAQ entries in their order (few enough to put whole in a prompt)."""
    return list(FaqEntry.objects.filter(business=business, is_active=True).order_by("position", "id"))


# The document the migration (restaurants 0003) indexes; the query must spell it the same way.
FAQ_DOCUMENT = "panbot_fold(question || ' ' || answer)"


@dataclass(frozen=True)
class _FaqRow:
    """An FAQ entry's id with its topic words, read once (per query on PostgreSQL, per version in the memo)."""

    id: int
    position: int
    question: list[str]
    answer: list[str]


def _faq_row(pk: int, position: int, question: str, answer: str) -> _FaqRow:
    return _FaqRow(pk, position, topic_words(question), topic_words(answer))


_faq_memo = ProcessMemo()


def _faq_candidates(business: Business, query_words: list[str]) -> list[_FaqRow]:
    columns = ("id", "position", "question", "answer")
    active = FaqEntry.objects.filter(business=business, is_active=True)
    if not search.uses_postgres():
        key = memo_key("faq", business)
        return _faq_memo.get(key, lambda: [_faq_row(*values) for values in active.values_list(*columns)])
    rows = search.candidates(active.values_list(*columns), FAQ_DOCUMENT, query_words)
    return [_faq_row(*values) for values in rows]


def faq_search(business: Business, query: str, *, limit: int = 3) -> list[FaqEntry]:
    """The active FAQ entries of `business` that best answer `query`, best first; [] when none is close.

    PostgreSQL finds candidates with its indexes (full text and trigrams over accent-free
    text); the embedded SQLite default reads the entries once per change. Both rank the
    same way, on each topic word's best fuzzy match in the question (or, for less, the answer).
    """
    query_words = topic_words(str(query or "")[:300])
    if not query_words or limit < 1:
        return []
    scored = []
    for row in _faq_candidates(business, query_words):
        score = _faq_score(query_words, row.question, row.answer)
        if score >= FAQ_MIN_SCORE:
            scored.append((score, -row.position, -row.id, row.id))
    scored.sort(key=lambda r: r[:3], reverse=True)
    ids = [r[3] for r in scored[:limit]]
    entries = FaqEntry.objects.in_bulk(ids) if ids else {}
    return [entries[pk] for pk in ids if pk in entries]


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


# --- The platform's view of its tenants -----------------------------------------------------------


def platform_businesses(*, active: bool | None = None, search: str = "") -> QuerySet[Business]:
    """Every business with `number_count` (numbers it holds) and `live_call_count` (calls holding its slots)."""
    businesses = Business.objects.annotate(
        number_count=Count("sip_numbers", distinct=True), live_call_count=Count("active_calls", distinct=True)
    )
    if active is not None:
        businesses = businesses.filter(is_active=active)
    search = search.strip()
    if search:
        businesses = businesses.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return businesses


def business_get(business_id: int) -> Business | None:
    """The business with this id, any tenant (the platform's lookups); None when there is none."""
    return Business.objects.filter(pk=business_id).first()


def faq_entries_for_business(business_id: int) -> QuerySet[FaqEntry]:
    """All the business's FAQ entries, active or not (the API lists them for editing)."""
    return FaqEntry.objects.filter(business_id=business_id)
