"""Who may open a business's live feed: members with a valid token, refused with a code before any data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as sync_to_async

from panbot.feed import codes
from restaurants.models import Membership
from tests.panbot.feed.kit import closed_with, receive, socket, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(business, member):
    return member(business, Membership.Role.STAFF)


async def refused(communicator, *, expected_subprotocol: str | None = "panbot.v1") -> int:
    connected, subprotocol = await communicator.connect(timeout=10)
    assert connected
    assert subprotocol == expected_subprotocol
    code = await closed_with(communicator)  # the first thing after the handshake: no snapshot, no event
    await communicator.disconnect()
    return code


@pytest.mark.parametrize("role", ["staff", "manager", "owner"])
async def test_every_member_role_connects_with_panbot_v1_and_gets_a_snapshot(business, member, role):
    user = await sync_to_async(member)(business, role)
    communicator = socket(business.pk, await sync_to_async(token_for)(user))
    connected, subprotocol = await communicator.connect(timeout=10)
    assert (connected, subprotocol) == (True, "panbot.v1")  # never echoes the bearer token
    assert (await receive(communicator))["type"] == "snapshot"
    await communicator.disconnect()


async def test_no_token_is_refused_with_token_missing(business):
    assert await refused(socket(business.pk, None)) == codes.TOKEN_MISSING


async def test_a_forged_token_is_refused_with_token_invalid(business, staff):
    token = await sync_to_async(token_for)(staff)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert await refused(socket(business.pk, forged)) == codes.TOKEN_INVALID
    assert await refused(socket(business.pk, "not-a-jwt")) == codes.TOKEN_INVALID


async def test_an_expired_token_is_refused_with_token_expired(business, staff):
    token = await sync_to_async(token_for)(staff, lifetime=timedelta(seconds=-5))
    assert await refused(socket(business.pk, token)) == codes.TOKEN_EXPIRED


async def test_without_the_panbot_subprotocol_the_socket_is_refused(business, staff):
    token = await sync_to_async(token_for)(staff)
    communicator = socket(business.pk, token, subprotocols=[f"bearer.{token}"])
    assert await refused(communicator, expected_subprotocol=None) == codes.PROTOCOL_NOT_OFFERED


async def test_a_token_in_the_query_string_is_not_accepted(business, staff):
    token = await sync_to_async(token_for)(staff)
    communicator = socket(business.pk, None)
    communicator.scope["query_string"] = f"token={token}&access_token={token}".encode()
    assert await refused(communicator) == codes.TOKEN_MISSING


async def test_an_outsider_is_refused_with_not_a_member(business, outsider_business, member):
    outsider = await sync_to_async(member)(outsider_business, Membership.Role.OWNER)
    assert await refused(socket(business.pk, await sync_to_async(token_for)(outsider))) == codes.NOT_A_MEMBER


async def test_staff_of_another_business_is_refused_with_not_a_member(business, outsider_business, member):
    other_staff = await sync_to_async(member)(outsider_business, Membership.Role.STAFF)
    token = await sync_to_async(token_for)(other_staff)
    assert await refused(socket(business.pk, token)) == codes.NOT_A_MEMBER
    # ... while the same token opens its own business's feed.
    own = socket(outsider_business.pk, token)
    assert (await own.connect(timeout=10))[0]
    assert (await receive(own))["type"] == "snapshot"
    await own.disconnect()


async def test_a_stakeholder_without_membership_is_refused(business, stakeholder):
    token = await sync_to_async(token_for)(stakeholder)
    assert await refused(socket(business.pk, token)) == codes.NOT_A_MEMBER


async def test_a_business_that_does_not_exist_is_refused_like_an_outsider(business, staff):
    assert await refused(socket(business.pk + 10_000, await sync_to_async(token_for)(staff))) == codes.NOT_A_MEMBER


async def test_a_claim_for_a_deleted_business_is_refused_after_the_handshake(business, staff):
    missing = business.pk + 10_000
    token = await sync_to_async(token_for)(staff, memberships={str(missing): "staff"})
    communicator = socket(missing, token)
    assert (await communicator.connect(timeout=10))[0]
    assert await closed_with(communicator) == codes.NOT_A_MEMBER
    await communicator.disconnect()


async def test_refusals_make_no_database_query(business, outsider_business, member, staff, monkeypatch):
    """Authentication reads the token only: no SQL statement runs, in any thread, for any refusal."""
    from django.db.backends.utils import CursorWrapper

    outsider = await sync_to_async(member)(outsider_business, Membership.Role.OWNER)
    good, other = await sync_to_async(token_for)(staff), await sync_to_async(token_for)(outsider)
    expired = await sync_to_async(token_for)(staff, lifetime=timedelta(seconds=-5))
    statements: list[str] = []
    real_execute = CursorWrapper._execute

    def observed(self, sql, *args, **kwargs):
        statements.append(sql)
        return real_execute(self, sql, *args, **kwargs)

    monkeypatch.setattr(CursorWrapper, "_execute", observed)
    assert await refused(socket(business.pk, None)) == codes.TOKEN_MISSING
    assert await refused(socket(business.pk, good[:-3] + "xyz")) == codes.TOKEN_INVALID
    assert await refused(socket(business.pk, expired)) == codes.TOKEN_EXPIRED
    assert await refused(socket(business.pk, other)) == codes.NOT_A_MEMBER
    assert statements == []
    # The observer works: an accepted socket does read (its snapshot).
    accepted = socket(business.pk, good)
    await accepted.connect(timeout=10)
    await receive(accepted)
    await accepted.disconnect()
    assert statements


async def test_a_foreign_origin_is_refused_at_the_handshake(business, staff):
    token = await sync_to_async(token_for)(staff)
    communicator = socket(business.pk, token, origin=(b"origin", b"https://evil.example"))
    connected, _ = await communicator.connect(timeout=10)
    assert not connected
