"""Signing in and out, the business switcher and the Italian UI, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from dashboard.session import COOKIE_NAME
from restaurants.models import Membership
from tests.dashboard.conftest import screenshot


def test_a_wrong_password_is_refused_with_a_message(live, demo):
    page = live.page()
    page.goto("/app/signin/")
    page.get_by_label("Username or e-mail address").fill("owner-trattoria")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(re.compile(r"/app/signin/$"))
    screenshot(page, "signin-error")


def test_a_page_opened_signed_out_asks_to_sign_in_and_comes_back(live, demo):
    page = live.page()
    business = demo.businesses["trattoria-da-mario"]
    page.goto(f"/app/b/{business.pk}/numbers/")
    expect(page).to_have_url(re.compile(r"/app/signin/\?next="))
    screenshot(page, "signin")
    page.get_by_label("Username or e-mail address").fill("owner-trattoria")
    page.get_by_label("Password").fill("panbot-dev-owner-trattoria")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/app/b/{business.pk}/numbers/$"))


def test_the_refresh_token_is_an_httponly_strict_cookie_and_no_token_is_stored(live, demo):
    page = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    cookies = {c["name"]: c for c in page.context.cookies()}
    refresh = cookies[COOKIE_NAME]
    assert refresh["httpOnly"] is True
    assert refresh["sameSite"] == "Strict"
    assert refresh["path"] == "/app/session/"
    assert page.evaluate("document.cookie").find(COOKIE_NAME) == -1
    assert page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)") == "{}{}"


def test_signing_out_ends_the_session(live, demo):
    page = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/app/signin/$"))
    # the old refresh token is revoked on the server, not only forgotten by the browser
    page.context.add_cookies([{**cookie}])
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/signin/\?next="))


def test_a_member_of_two_businesses_switches_between_them(live, demo):
    trattoria, sushi = demo.businesses["trattoria-da-mario"], demo.businesses["sushi-zen"]
    owner = Membership.objects.get(business=trattoria, role="owner").user
    Membership.objects.create(user=owner, business=sushi, role="manager")
    page = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria", lands=r"/app/$")
    expect(page.get_by_role("link", name="Trattoria Da Mario")).to_be_visible()  # the chooser
    screenshot(page, "choose-business")
    page.get_by_role("link", name="Sushi Zen").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Numbers").click()
    expect(page.locator("tr[data-number='+390557654321']")).to_be_visible()
    page.get_by_label("Business").select_option(label="Trattoria Da Mario")  # the same page, the other business
    expect(page).to_have_url(re.compile(rf"/app/b/{trattoria.pk}/numbers/$"))
    expect(page.locator("tr[data-number='+390551234567']")).to_be_visible()


def test_the_dashboard_speaks_italian(live, demo):
    page = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Numbers").click()
    # The switch submits on change once the page's script runs: wait for the page to be up, as a person would.
    expect(page.locator("tr[data-number='+390551234567']")).to_be_visible()
    page.get_by_label("Language").select_option("it")
    expect(page.get_by_role("heading", name="Numeri di telefono")).to_be_visible()
    expect(page.locator("tr[data-number='+390551234567']")).to_contain_text("Attivo")
    expect(page.get_by_role("button", name="Esci")).to_be_visible()
    screenshot(page, "numbers-it")
