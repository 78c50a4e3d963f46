"""Restaurant state changes: the business itself, who belongs to it, and its hours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.selectors import user_by_login
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


# What the business's owners and managers may change themselves; the rest (slug, active flag, call
# limit, currency) is the platform's, set in the admin.
MEMBER_EDITABLE = (
    "name", "address", "public_phone", "timezone", "default_language", "other_languages", "agent_greeting",
    "agent_system_prompt", "agent_voice", "max_call_minutes", "overflow_action", "overflow_message",
    "transfer_number",
)  # fmt: skip


@transaction.atomic
def business_update(*, business: Business, changes: Mapping[str, Any]) -> Business:
    """Change the profile and agent defaults of `business` (only MEMBER_EDITABLE fields). Raises ValidationError.

    Validated as the admin validates a business (time zone, languages, lengths, phone numbers,
    a transfer number for transfer on overflow). Only the fields sent are written.
    """
    refused = sorted(set(changes) - set(MEMBER_EDITABLE))
    if refused:
        raise ValidationError({name: ["This field cannot be changed here."] for name in refused})
    if not changes:
        return business
    locked = Business.objects.select_for_update().get(pk=business.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()  # also turns a typed phone number into E.164
    locked.save(update_fields=[*changes, "updated_at"])
    return locked


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


LAST_OWNER = "A business needs at least one owner: make someone else an owner first."
NO_SUCH_USER = "No active user has this username or e-mail address."
NOT_A_MEMBER = "We could not find that member."


def _member_row(business: Business, user_id: Any) -> tuple[Membership, set[int]]:
    """The member's row and the business's owners (user ids), all locked; NotFound for a non-member.

    The owner rows are locked first, in one order, then the member's: two owners demoting each
    other at once wait for one another (no deadlock) and the second sees the first's change.
    """
    owners = set(
        Membership.objects.select_for_update()
        .filter(business=business, role=Membership.Role.OWNER)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    pk = as_id(user_id)
    membership = Membership.objects.select_for_update().filter(business=business, user_id=pk).first() if pk else None
    if membership is None:
        raise NotFound({"user_id": [NOT_A_MEMBER]})
    return membership, owners


def _keep_an_owner(membership: Membership, owners: set[int], role: str | None) -> None:
    """Refuse to take the owner role (`role` None: the membership) from the business's last owner."""
    if membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER and owners <= {membership.user_id}:
        raise ValidationError({"role": [ValidationError(LAST_OWNER, code="last_owner")]})


@transaction.atomic
def member_add(*, business: Business, login: str, role: str) -> Membership:
    """Make an existing active user (by username or e-mail address) a member of `business` with `role`.

    Raises ValidationError: no such user (said the same for an unknown, inactive or ambiguous
    login: nobody learns who has an account), already a member, an unknown role. Revokes
    nothing: the user's next refresh brings the new membership.
    """
    Membership(role=role).clean_fields(exclude=["user", "business"])
    user = user_by_login(login)
    if user is None:
        raise ValidationError({"user": [ValidationError(NO_SUCH_USER, code="no_such_user")]})
    if Membership.objects.filter(business=business, user=user).exists():
        already = ValidationError("This user is already a member; change their role instead.", code="already_member")
        raise ValidationError({"user": [already]})
    return membership_set(business=business, user=user, role=role)


@transaction.atomic
def member_role_set(*, business: Business, user_id: Any, role: str) -> Membership:
    """Change a member's role (their refresh tokens stop working); the last owner stays an owner.

    Raises NotFound for a user who is not a member, ValidationError for an unknown role or the
    last owner's demotion.
    """
    Membership(role=role).clean_fields(exclude=["user", "business"])
    membership, owners = _member_row(business, user_id)
    _keep_an_owner(membership, owners, role)
    return membership_set(business=business, user=membership.user, role=role)


@transaction.atomic
def member_remove(*, business: Business, user_id: Any) -> None:
    """Take a member out of `business` (their refresh tokens stop working); never its last owner.

    Raises NotFound for a user who is not a member, ValidationError for the last owner.
    """
    membership, owners = _member_row(business, user_id)
    _keep_an_owner(membership, owners, None)
    membership_remove(membership=membership)


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


EMPTY_PERIOD = "A period must close at another time than it opens (a close before the open runs past midnight)."


def _hours_row(business: Business, period: Any) -> OpeningHours:
    if not isinstance(period, list | tuple) or len(period) != 3:
        raise ValidationError({"periods": ["Give each period as a weekday, an opening time and a closing time."]})
    row = OpeningHours(business=business, weekday=period[0], opens_at=period[1], closes_at=period[2])
    # Also reads "12:00" as a time. The row's constraints are said below, in words, not by name.
    row.full_clean(exclude=["business"], validate_unique=False, validate_constraints=False)
    if row.opens_at == row.closes_at:
        raise ValidationError({"closes_at": [EMPTY_PERIOD]})
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
