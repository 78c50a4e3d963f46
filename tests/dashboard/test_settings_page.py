"""The settings page in a real browser: an owner edits the week (an overlap is refused on the form,
a period past midnight is kept), adds a closure, adds a person by e-mail and changes their role; the
last owner cannot demote themselves; staff and outsiders cannot open it."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from restaurants.models import Closure, FaqEntry, Membership, OpeningHours
from tests.dashboard.conftest import screenshot


def test_owner_edits_hours_adds_a_closure_and_a_member_and_changes_their_role(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    get_user_model().objects.create_user("giulia", email="giulia@example.com", password="a-long-password-1")
    week = OpeningHours.objects.filter(business=business).values_list("weekday", "opens_at", "closes_at")
    before = sorted(week)
    page = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Opening hours")).to_be_visible()
    profile = page.locator("[data-widget=profile]")
    expect(profile.get_by_label("Name", exact=True)).to_have_value(business.name)

    # a blank name is refused next to the field; a new address is saved
    profile.get_by_label("Name", exact=True).fill(" ")
    profile.get_by_label("Address").fill("Via dei Neri 14, 50122 Firenze")
    profile.get_by_role("button", name="Save").click()
    expect(profile.locator("[data-error-for=name]")).not_to_be_empty()
    expect(profile.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    business.refresh_from_db()
    assert business.name == "Trattoria Da Mario" and business.address != "Via dei Neri 14, 50122 Firenze"
    profile.get_by_label("Name", exact=True).fill("Trattoria Da Mario")
    profile.get_by_role("button", name="Save").click()
    expect(profile.locator("[data-save-status]")).to_have_text("Saved.")
    business.refresh_from_db()
    assert business.address == "Via dei Neri 14, 50122 Firenze"

    # Tuesday gets a second dinner on top of the first: refused, on the form, nothing saved
    hours = page.locator("[data-widget=hours]")
    hours.get_by_role("button", name="Tuesday: add opening hours").click()
    hours.get_by_role("button", name="Save the week").click()
    expect(hours.locator("[data-form-error]")).to_contain_text("overlaps")
    expect(hours.locator("[data-weekday='1'] .period-invalid")).to_have_count(2)  # the two evenings, in red
    assert sorted(week.all()) == before
    screenshot(page, "settings-hours-overlap")

    # remove it; open on Monday evening until one in the morning
    hours.get_by_role("button", name="Tuesday: remove this period").last.click()
    hours.get_by_role("button", name="Monday: add opening hours").click()
    hours.get_by_label("Monday: opens at").fill("19:00")
    hours.get_by_label("Monday: closes at").fill("01:00")
    expect(hours.locator("[data-weekday='0']")).to_contain_text("closes the next day")
    hours.get_by_role("button", name="Save the week").click()
    expect(hours.locator("[data-save-status]")).to_have_text("Saved.")
    expect(hours.locator("[data-form-error]")).to_be_hidden()
    monday = list(OpeningHours.objects.filter(business=business, weekday=0).values_list("opens_at", "closes_at"))
    assert monday == [(dt.time(19, 0), dt.time(1, 0))]
    assert OpeningHours.objects.filter(business=business).count() == len(before) + 1

    # a closure
    closures = page.locator("[data-widget=closures]")
    day = timezone.now().astimezone(business.tz).date() + dt.timedelta(days=20)
    closures.get_by_label("Date").fill(day.isoformat())
    closures.get_by_label("Reason (optional)").fill("Staff holiday")
    closures.get_by_role("button", name="Add closure").click()
    expect(closures.locator("[data-list]")).to_contain_text("Staff holiday")
    assert Closure.objects.filter(business=business, date=day, reason="Staff holiday").exists()

    # an answer for the assistant, then corrected
    faq = page.locator("[data-widget=faq]")
    faq.get_by_text("Add an answer").click()
    faq.get_by_label("Question").last.fill("Do you have a terrace?")
    faq.get_by_label("Answer", exact=True).last.fill("Yes, twelve seats, open from May.")
    faq.get_by_role("button", name="Add", exact=True).click()
    entry = faq.locator("[data-faq-id]", has_text="Do you have a terrace?")
    entry.locator("summary").click()
    entry.get_by_label("Answer", exact=True).fill("Yes, twelve seats, open from April.")
    entry.get_by_role("button", name="Save").click()
    expect(entry.locator("[data-save-status]")).to_have_text("Saved.")
    assert FaqEntry.objects.get(business=business, question="Do you have a terrace?").answer.endswith("April.")

    # a person by e-mail, then a manager
    people = page.locator("[data-widget=members]")
    people.get_by_label("Username or e-mail address").fill("nobody@example.com")
    people.get_by_role("button", name="Add").click()
    expect(people.locator("[data-error-for=user]")).to_contain_text("No active user")
    people.get_by_label("Username or e-mail address").fill("giulia@example.com")
    people.get_by_label("Role", exact=True).select_option("staff")
    people.get_by_role("button", name="Add").click()
    row = people.locator("tr", has_text="giulia@example.com")
    expect(row.get_by_label("Role of giulia")).to_have_value("staff")
    membership = Membership.objects.get(business=business, user__username="giulia")
    assert membership.role == "staff"
    with page.expect_response(lambda r: "/members/" in r.url and r.request.method == "PATCH") as answer:
        row.get_by_label("Role of giulia").select_option("manager")
    assert answer.value.status == 200
    expect(people.locator("tr", has_text="giulia@example.com").get_by_label("Role of giulia")).to_have_value("manager")
    membership.refresh_from_db()
    assert membership.role == "manager"

    # the last owner cannot demote themselves: the refusal shows, the select goes back
    me = people.locator("tr", has_text="(you)")
    me.locator("select").select_option("manager")
    expect(people.locator("[data-list-error]")).to_contain_text(re.compile("owner", re.I))
    expect(people.locator("tr", has_text="(you)").locator("select")).to_have_value("owner")
    assert Membership.objects.get(business=business, user__username="owner-trattoria").role == "owner"
    screenshot(page, "settings")
    assert [e for e in page.errors if "status of 400" not in e] == []


def test_staff_do_not_see_settings_and_are_refused_at_its_url(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    page = live.sign_in("staff-trattoria", "panbot-dev-staff-trattoria")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Reservations")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_be_hidden()
    page.goto(f"/app/b/{business.pk}/settings/")
    expect(page.get_by_text("Your role in this business does not include this page.")).to_be_visible()
    expect(page.get_by_role("heading", name="Opening hours")).to_be_hidden()


def test_an_outsider_cannot_open_another_business_settings(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    page = live.sign_in("owner-sushi", "panbot-dev-owner-sushi")
    page.goto(f"/app/b/{business.pk}/settings/")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_be_hidden()
