"""Reads about users: what a token may carry, and what `me` shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Q

from panbot.inputs import as_id


@dataclass(frozen=True)
class UserAccess:
    """What tokens are minted from: read in one query at login and at every refresh."""

    user_id: int
    is_active: bool
    stakeholder: bool
    token_version: int
    memberships: dict[str, str]  # str(business_id) -> role


def user_access(user_id: object) -> UserAccess | None:
    """The user's active flag, stakeholder flag, token version and memberships, in ONE query (None: no such user)."""
    user_id = as_id(user_id)
    if user_id is None:
        return None
    rows = list(
        get_user_model()
        .objects.filter(pk=user_id)
        .values_list(
            "is_active", "is_staff", "auth_state__token_version", "memberships__business_id", "memberships__role"
        )
    )  # LEFT JOINs: one row per membership, or one row of NULLs beside the user when there are none
    if not rows:
        return None
    is_active, is_staff, version, _, _ = rows[0]
    return UserAccess(
        user_id=user_id,
        is_active=is_active,
        stakeholder=bool(is_staff and is_active),
        token_version=version or 0,
        memberships={str(business_id): role for *_, business_id, role in rows if business_id is not None},
    )


def user_by_login(login: object, *, active_only: bool = True) -> Any | None:
    """The user a login names: a username (exact) wins over an e-mail address (case-insensitive).

    None when nobody matches, when an e-mail address is shared by several users (it names no
    one), and, with `active_only`, when the user is inactive.
    """
    if not isinstance(login, str) or not login:
        return None
    candidates = list(get_user_model()._default_manager.filter(Q(username=login) | Q(email__iexact=login))[:3])
    user = next((u for u in candidates if u.username == login), None)
    if user is None and len(candidates) == 1 and "@" in login:
        user = candidates[0]
    if user is not None and active_only and not user.is_active:
        return None
    return user


class MembershipInfo(TypedDict):
    business_id: int
    business_name: str
    role: str
    timezone: str
    currency: str


class Profile(TypedDict):
    """`GET /api/v1/me/`: who the user is and where they work."""

    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    stakeholder: bool
    memberships: list[MembershipInfo]


def user_profile(user_id: object) -> Profile | None:
    """The active user's profile with their memberships (business names included), in one query."""
    user_id = as_id(user_id)
    if user_id is None:
        return None
    rows = list(
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .order_by("memberships__business__name", "memberships__business_id")
        .values_list(
            "username",
            "email",
            "first_name",
            "last_name",
            "is_staff",
            "memberships__business_id",
            "memberships__business__name",
            "memberships__role",
            "memberships__business__timezone",
            "memberships__business__currency",
        )
    )
    if not rows:
        return None
    username, email, first_name, last_name, is_staff, *_ = rows[0]
    return Profile(
        id=user_id,
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        stakeholder=is_staff,
        memberships=[
            MembershipInfo(business_id=business_id, business_name=name, role=role, timezone=tz, currency=currency)
            for *_, business_id, name, role, tz, currency in rows
            if business_id is not None
        ],
    )
