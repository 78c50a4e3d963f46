"""Restaurant state changes: the business itself, who belongs to it, and its hours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import token_version_bump
from panbot.errors import NotFound
from panbot.inputs import as_id
from restaurants.models import Business, Closure, FaqEntry, Membership, OpeningHours


@transaction.atomic
def business_save(*, business: Business) -> Business:
    """Create or update a business after validating it. Raises ValidationError."""
    business.full_clean()
    business.save()
    return business


# A membership change revokes the user's refresh tokens (accounts.services.token_version_bump) when
# it takes something away or changes it: a role change, a removal, a row moved to another user. A
# new membership revokes nothing; the user's next refresh (within 15 minutes) brings it.


@transaction.atomic
def membership_set(*, business: Business, user: Any, role: str) -> Membership:
    """Give `user` `role` in `business` (creating or changing the membership). Raises ValidationError."""
    # The role is checked before writing: the database would refuse an unknown one with an IntegrityError.
    Membership(user=user, business=business, role=role).clean_fields(exclude=["user", "business"])
    membership, created = Membership.objects.get_or_create(user=user, business=business, defaults={"role": role})
    if not created:
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            token_version_bump(user_id=membership.user_id)
    return membership


@transaction.atomic
def membership_save(*, membership: Membership) -> Membership:
    """Create or update a membership row as edited (admin inline). Raises ValidationError."""
    membership.full_clean()
    previous = None
    if membership.pk is not None:
        previous = Membership.objects.select_for_update().filter(pk=membership.pk).values("user_id", "role").first()
    membership.save()
    if previous is not None:
        if previous["user_id"] != membership.user_id:
            token_version_bump(user_id=previous["user_id"])  # the row left them: they lost this business
        elif previous["role"] != membership.role:
            token_version_bump(user_id=membership.user_id)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Take the user out of the business; their refresh tokens stop working."""
    user_id = membership.user_id
    deleted, _ = Membership.objects.filter(pk=membership.pk).delete()
    if deleted:
        token_version_bump(user_id=user_id)


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


def _hours_row(business: Business, period: Any) -> OpeningHours:
    if not isinstance(period, list | tuple) or len(period) != 3:
        raise ValidationError({"periods": ["Give each period as a weekday, an opening time and a closing time."]})
    row = OpeningHours(business=business, weekday=period[0], opens_at=period[1], closes_at=period[2])
    row.full_clean(exclude=["business"], validate_unique=False)  # also reads "12:00" as a time
    return row


@transaction.atomic
def opening_hours_replace(*, business: Business, periods: Iterable[tuple[int, time, time]]) -> list[OpeningHours]:
    """Set the weekly hours of `business` to `periods` (weekday, opens_at, closes_at). Raises ValidationError."""
    if not isinstance(periods, Iterable) or isinstance(periods, str | bytes | Mapping):
        raise ValidationError({"periods": ["Give the hours as a list of periods."]})
    rows, errors = [], {}
    for period in periods:
        try:
            rows.append(_hours_row(business, period))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    try:
        validate_hours((row.weekday, row.opens_at, row.closes_at) for row in rows)
    except ValidationError as exc:
        raise ValidationError({"periods": exc.error_list}) from None
    OpeningHours.objects.filter(business=business).delete()
    return OpeningHours.objects.bulk_create(rows)


@transaction.atomic
def closure_set(*, business: Business, date: Any, reason: str = "") -> Closure:
    """Close `business` all day on `date` (or change the reason it gives). Raises ValidationError."""
    closure = Closure(business=business, date=date, reason=str(reason or "").strip())
    closure.full_clean(exclude=["business"], validate_unique=False)  # also reads "2026-12-25" as a date
    closure, _ = Closure.objects.update_or_create(
        business=business, date=closure.date, defaults={"reason": closure.reason}
    )
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


# What the API may set on an FAQ entry (the business is the URL's).
FAQ_FIELDS = frozenset({"question", "answer", "is_active", "position"})


def _faq_entry_locked(business: Business, entry_id: Any) -> FaqEntry:
    pk = as_id(entry_id)
    entry = FaqEntry.objects.select_for_update().filter(business=business, pk=pk).first() if pk is not None else None
    if entry is None:
        raise NotFound({"entry_id": ["We could not find that FAQ entry."]})
    return entry


def _faq_apply(entry: FaqEntry, changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - FAQ_FIELDS
    if unknown:
        raise TypeError(f"an FAQ entry cannot be given {', '.join(sorted(unknown))} here")
    for name, value in changes.items():
        setattr(entry, name, value)


@transaction.atomic
def faq_entry_create(*, business: Business, **fields: Any) -> FaqEntry:
    """A new FAQ entry of `business` (question, answer, is_active, position). Raises ValidationError."""
    entry = FaqEntry(business=business)
    _faq_apply(entry, fields)
    return faq_entry_save(entry=entry)


@transaction.atomic
def faq_entry_update(*, business: Business, entry_id: int, **changes: Any) -> FaqEntry:
    """Change an FAQ entry of `business`. Raises NotFound (not its entry), ValidationError."""
    entry = _faq_entry_locked(business, entry_id)
    _faq_apply(entry, changes)
    return faq_entry_save(entry=entry)


@transaction.atomic
def faq_entry_delete(*, business: Business, entry_id: int) -> None:
    """Remove an FAQ entry of `business` (nothing refers to one). Raises NotFound (not its entry)."""
    _faq_entry_locked(business, entry_id).delete()
