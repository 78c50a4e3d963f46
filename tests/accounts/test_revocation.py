"""Revocation: every way a user loses access, changes role or password bumps their token_version.

After a bump the user's refresh tokens fail at once (code `token_revoked`); their access tokens
keep working until they expire (at most 15 minutes: the documented window). A test per write path.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from accounts import services
from accounts.models import AuthState
from accounts.tokens import decode_access_token
from restaurants import services as restaurant_services
from restaurants.models import Membership
from tests.api.world import PASSWORD

pytestmark = pytest.mark.django_db


def version(user) -> int:
    row = AuthState.objects.filter(user=user).first()
    return row.token_version if row else 0


def assert_revoked(pair) -> None:
    with pytest.raises(services.AuthenticationRefused) as refused:
        services.tokens_refresh(refresh=pair.refresh)
    assert refused.value.code == "token_revoked"


def assert_alive(pair) -> None:
    services.tokens_refresh(refresh=pair.refresh)


@pytest.fixture
def admin_client(client, stakeholder):
    client.force_login(stakeholder)
    return client


# --- Services -------------------------------------------------------------------------------------


def test_a_role_change_revokes_and_the_access_token_lives_out_its_window(world, api_client):
    staff = world.users["staff"]
    pair = services.tokens_issue(user_id=staff.pk)
    restaurant_services.membership_set(business=world.own.business, user=staff, role=Membership.Role.MANAGER)
    assert_revoked(pair)
    # Stateless: the access token minted before the change still says "staff" until it expires.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    assert api_client.get(f"/api/v1/businesses/{world.own.business.pk}/numbers/").status_code == 200
    assert decode_access_token(pair.access)["memberships"][str(world.own.business.pk)] == "staff"
    # A new login carries the new role and the new version.
    fresh = services.tokens_issue(user_id=staff.pk)
    claims = decode_access_token(fresh.access)
    assert claims["memberships"][str(world.own.business.pk)] == "manager"
    assert claims["token_version"] == 1


def test_setting_the_same_role_or_a_new_membership_revokes_nothing(world, make_business):
    staff = world.users["staff"]
    pair = services.tokens_issue(user_id=staff.pk)
    restaurant_services.membership_set(business=world.own.business, user=staff, role=Membership.Role.STAFF)
    restaurant_services.membership_set(business=make_business(), user=staff, role=Membership.Role.OWNER)
    assert version(staff) == 0
    assert_alive(pair)


def test_membership_remove_revokes(world):
    manager = world.users["manager"]
    pair = services.tokens_issue(user_id=manager.pk)
    restaurant_services.membership_remove(membership=Membership.objects.get(user=manager))
    assert_revoked(pair)


def test_user_password_set_revokes(world):
    owner = world.users["owner"]
    pair = services.tokens_issue(user_id=owner.pk)
    services.user_password_set(user=owner, password="a-new-long-password")
    assert_revoked(pair)


def test_user_save_revokes_only_what_calls_for_it(world):
    owner = world.users["owner"]
    pair = services.tokens_issue(user_id=owner.pk)
    owner.first_name = "Mario"
    services.user_save(user=owner)
    assert_alive(pair)
    pair = services.tokens_issue(user_id=owner.pk)
    owner.is_staff = True
    services.user_save(user=owner)
    assert_revoked(pair)


def test_deactivating_a_user_revokes(world):
    owner = world.users["owner"]
    pair = services.tokens_issue(user_id=owner.pk)
    owner.is_active = False
    services.user_save(user=owner)
    with pytest.raises(services.AuthenticationRefused) as refused:
        services.tokens_refresh(refresh=pair.refresh)
    assert refused.value.code == "user_inactive"
    assert version(owner) == 1


# --- The admin ------------------------------------------------------------------------------------


def _business_form(business, *rows: dict, initial: int) -> dict:
    data = {
        "name": business.name, "slug": business.slug, "is_active": "on", "max_concurrent_calls": "3",
        "public_phone": "", "address": "", "timezone": "Europe/Rome", "currency": "EUR", "default_language": "it",
        "other_languages": "[]", "agent_greeting": "", "agent_system_prompt": "", "agent_voice": "",
        "max_call_minutes": "15", "overflow_action": "busy", "overflow_message": "", "transfer_number": "",
        "memberships-TOTAL_FORMS": str(len(rows)), "memberships-INITIAL_FORMS": str(initial),
        "opening_hours-TOTAL_FORMS": "0", "opening_hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "0", "closures-INITIAL_FORMS": "0",
    }  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"memberships-{i}-{key}": value for key, value in row.items()})
    return data


def _membership_rows(business, **changes_by_user) -> list[dict]:
    rows = []
    for membership in Membership.objects.filter(business=business).order_by("pk"):
        row = {"id": str(membership.pk), "business": str(business.pk), "user": str(membership.user_id),
               "role": membership.role}  # fmt: skip
        row.update(changes_by_user.get(membership.user.username, {}))
        rows.append(row)
    return rows


def _save_business(admin_client, business, rows, initial):
    response = admin_client.post(
        reverse("admin:restaurants_business_change", args=[business.pk]),
        _business_form(business, *rows, initial=initial),
    )
    assert response.status_code == 302, response.context and response.context["errors"]


def test_admin_membership_inline_role_change_and_removal_revoke(admin_client, world):
    business = world.own.business
    staff, manager, owner = (world.users[p] for p in ("staff", "manager", "owner"))
    pairs = {user.pk: services.tokens_issue(user_id=user.pk) for user in (staff, manager, owner)}
    rows = _membership_rows(business, **{staff.username: {"role": "manager"}, manager.username: {"DELETE": "on"}})
    _save_business(admin_client, business, rows, initial=len(rows))
    assert Membership.objects.get(user=staff).role == "manager"
    assert not Membership.objects.filter(user=manager).exists()
    assert_revoked(pairs[staff.pk])
    assert_revoked(pairs[manager.pk])
    assert_alive(pairs[owner.pk])  # untouched row: nothing revoked


def test_admin_membership_moved_to_another_user_revokes_the_one_who_lost_it(admin_client, world, make_user):
    business = world.own.business
    staff = world.users["staff"]
    newcomer = make_user()
    pair = services.tokens_issue(user_id=staff.pk)
    rows = _membership_rows(business, **{staff.username: {"user": str(newcomer.pk)}})
    _save_business(admin_client, business, rows, initial=len(rows))
    assert Membership.objects.get(business=business, user=newcomer).role == "staff"
    assert_revoked(pair)
    assert version(newcomer) == 0


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on", "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"), "last_login_0": "", "last_login_1": "",
    }  # fmt: skip
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "revoked"),
    [({"is_active": None}, True), ({"is_staff": "on"}, True), ({"first_name": "Mario"}, False)],
    ids=["deactivate", "make stakeholder", "rename"],
)
def test_admin_user_form(admin_client, world, changes, revoked):
    owner = world.users["owner"]
    response = admin_client.post(reverse("admin:auth_user_change", args=[owner.pk]), _user_form(owner, **changes))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert version(owner) == (1 if revoked else 0)


@pytest.mark.parametrize("usable", [True, False])
def test_admin_change_password_form_revokes(admin_client, world, usable):
    owner = world.users["owner"]
    pair = services.tokens_issue(user_id=owner.pk)
    data = (
        {"password1": "a-new-long-password-42", "password2": "a-new-long-password-42", "usable_password": "true"}
        if usable
        else {"usable_password": "false", "unset-password": "1"}  # the admin's "disable password" button
    )
    response = admin_client.post(reverse("admin:auth_user_password_change", args=[owner.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    owner.refresh_from_db()
    assert owner.has_usable_password() is usable
    assert owner.check_password("a-new-long-password-42") is usable
    assert_revoked(pair)


def test_admin_own_password_change_revokes(admin_client, stakeholder):
    pair = services.tokens_issue(user_id=stakeholder.pk)
    response = admin_client.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-password-42",
            "new_password2": "a-new-long-password-42",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    stakeholder.refresh_from_db()
    assert stakeholder.check_password("a-new-long-password-42")
    assert_revoked(pair)


# --- Commands -------------------------------------------------------------------------------------


def test_changepassword_command_revokes(world, monkeypatch):
    from accounts.management.commands.changepassword import Command

    owner = world.users["owner"]
    pair = services.tokens_issue(user_id=owner.pk)
    monkeypatch.setattr(Command, "_get_pass", lambda self, prompt="": "a-new-long-password-42")  # the terminal
    call_command("changepassword", owner.username)
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-password-42")
    assert_revoked(pair)


def test_seed_demo_again_keeps_the_demo_users_sessions(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--no-calls", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    owner = get_user_model().objects.get(username="owner-trattoria")
    pair = services.tokens_issue(user_id=owner.pk)
    call_command("seed_demo", "--no-calls", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_alive(pair)
    owner.set_password("changed-by-hand-42")
    owner.save()
    call_command("seed_demo", "--no-calls", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    owner.refresh_from_db()
    assert owner.check_password("panbot-dev-owner-trattoria")
    assert version(owner) == 1  # the demo password was put back: that is a password change
