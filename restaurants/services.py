"""Restaurant state changes: the business itself, who belongs to it, and its hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from restaurants.models import Business, Closure, FaqEntry, Membership, OpeningHours


@transaction.atomic
def business_save(*, business: Business) -> Business:
    """Create or update a business after validating it. Raises ValidationError."""
    business.full_clean()
    business.save()
    return business


@transaction.atomic
def membership_set(*, business: Business, user: Any, role: str) -> Membership:
    """Give `user` `role` in `business` (creating or changing the membership)."""
    membership, _ = Membership.objects.update_or_create(user=user, business=business, defaults={"role": role})
    membership.full_clean()
    return membership


@transaction.atomic
def membership_save(*, membership: Membership) -> Membership:
    """Create or update a membership row as edited (admin inline). Raises ValidationError."""
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership.delete()


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_hours(periods: Iterable[tuple[int, time, time]]) -> None:
    """Refuse overlapping periods on the same weekday (a close at or before the open runs past midnight)."""
    week = 7 * 24 * 60
    spans: list[tuple[int, int, tuple[int, time, time]]] = []
    for weekday, opens_at, closes_at in periods:
        start = weekday * 24 * 60 + _minutes(opens_at)
        length = (_minutes(closes_at) - _minutes(opens_at)) % (24 * 60)
        spans.append((start, start + length, (weekday, opens_at, closes_at)))
    spans.sort()
    errors = []
    days = dict(OpeningHours.Weekday.choices)
    for i in range(len(spans) if len(spans) > 1 else 0):
        start_a, end_a, a = spans[i]
        start_b, _end_b, b = spans[(i + 1) % len(spans)]
        if start_b < start_a:  # the week's last period compared with its first: wrap into next week
            start_b += week
        if start_b < end_a:
            errors.append(f"{days[a[0]]} {a[1]:%H:%M}-{a[2]:%H:%M} overlaps {days[b[0]]} {b[1]:%H:%M}-{b[2]:%H:%M}.")
    if errors:
        raise ValidationError(errors, code="overlapping_hours")


@transaction.atomic
def opening_hours_replace(*, business: Business, periods: Iterable[tuple[int, time, time]]) -> list[OpeningHours]:
    """Set the weekly hours of `business` to `periods` (weekday, opens_at, closes_at). Raises ValidationError."""
    periods = list(periods)
    validate_hours(periods)
    rows = [OpeningHours(business=business, weekday=w, opens_at=o, closes_at=c) for w, o, c in periods]
    for row in rows:
        row.full_clean(exclude=["business"], validate_unique=False)
    OpeningHours.objects.filter(business=business).delete()
    return OpeningHours.objects.bulk_create(rows)


@transaction.atomic
def closure_set(*, business: Business, date: Any, reason: str = "") -> Closure:
    closure, _ = Closure.objects.update_or_create(business=business, date=date, defaults={"reason": reason})
    return closure


@transaction.atomic
def closure_save(*, closure: Closure) -> Closure:
    """Create or update a closure row as edited (moving its date moves the closure). Raises ValidationError."""
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def closure_remove(*, closure: Closure) -> None:
    closure.delete()


@transaction.atomic
def faq_entry_save(*, entry: FaqEntry) -> FaqEntry:
    """Create or update an FAQ entry after validating it. Raises ValidationError."""
    entry.full_clean()
    entry.save()
    return entry
