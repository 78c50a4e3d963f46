"""The call history, a call's page and the analytics in a real browser, on the demo restaurant's three
weeks of generated calls: as its owner, its staff and another restaurant's owner."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Order
from telephony.models import CallRecord
from tests.dashboard.conftest import screenshot

OWNER = ("owner-trattoria", "panbot-dev-owner-trattoria")
STAFF = ("staff-trattoria", "panbot-dev-staff-trattoria")
OUTSIDER = ("owner-sushi", "panbot-dev-owner-sushi")


@pytest.fixture
def calls(demo):
    """Trattoria Da Mario's demo calls (with their orders, bookings and rollups)."""
    from analytics.demo import seed_calls

    business = demo.businesses["trattoria-da-mario"]
    assert seed_calls(businesses={"trattoria-da-mario": business}) > 300
    return business


def _open(live, link: str, who=OWNER):
    page = live.sign_in(*who)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=link, exact=True)).to_be_visible()
    return page


def test_owner_filters_the_calls_downloads_them_and_reads_one_conversation(live, calls):
    page = _open(live, "Calls")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)  # one page, newest first, then "Load more"
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(100)

    since = timezone.localdate(timezone=calls.tz) - timedelta(days=14)
    page.get_by_label("From").fill(since.isoformat())
    page.get_by_label("Outcome").select_option(label="Lost: restaurant at its call limit")
    page.get_by_role("button", name="Filter").click()
    start = datetime.combine(since, time(0), tzinfo=calls.tz)
    busy = CallRecord.objects.filter(business=calls, reason="business_busy", started_at__gte=start).count()
    assert 0 < busy < 50
    expect(rows).to_have_count(busy)
    expect(rows.filter(has_text="Lost: restaurant at its call limit")).to_have_count(busy)
    expect(page).to_have_url(re.compile(rf"from={since}&.*outcome=rejected%3Abusiness_busy"))
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    screenshot(page, "calls")

    with page.expect_download() as download:  # the filters travel with it; the token does not
        page.get_by_role("button", name="Download CSV").click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(lines) == busy + 1, lines[:3]
    assert "token" not in download.value.url and download.value.url.startswith("blob:")

    # A call that placed an order, with what was said and the tool it used.
    order = Order.objects.filter(business=calls).select_related("call").order_by("-call__started_at").first()
    call = order.call
    call.transcript = [
        {"role": "agent", "text": "Trattoria Da Mario, buongiorno!"},
        {"role": "caller", "text": "Vorrei due margherite per le otto."},
        {"role": "tool", "name": "place_order", "arguments": '{"items": [{"name": "Margherita", "quantity": 2}]}'},
        {"role": "tool_result", "name": "place_order", "text": "Order #7 placed"},
        {"role": "agent", "text": "Perfetto, a dopo!"},
    ]
    call.save(update_fields=["transcript"])
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Caller").fill(call.caller_number.removeprefix("+39"))  # as an owner types it
    page.get_by_label("Caller").press("Enter")
    page.locator(f"tr[data-call='{call.pk}'] a").click()
    expect(page.get_by_role("heading", name=re.compile("Call from"))).to_be_visible()
    expect(page.locator(".bubble-caller")).to_have_text(re.compile("Vorrei due margherite"))
    expect(page.locator(".bubble-agent")).to_have_count(2)
    expect(page.locator("[data-tool=place_order]").first).to_contain_text("The assistant used: place_order")
    expect(page.locator(f"[data-order='{order.pk}']")).to_contain_text(f"Ticket #{order.ticket_number}")
    screenshot(page, "call-detail")
    assert page.errors == []


def test_owner_sees_the_analytics_charts_with_data(live, calls):
    page = _open(live, "Analytics")
    canvas = page.locator("[data-chart=per-day] canvas")
    expect(canvas).to_have_count(1)
    # The bars are drawn: some of the canvas's pixels are the chart's colours, not background.
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] && d[i] < 200) n++; return n; }"""
    )
    assert painted > 1000, painted
    cells = page.locator(".heat-grid .heat-cell")
    expect(cells).to_have_count(7 * 24)
    busy = page.locator(".heat-grid .heat-cell:not(.heat-0)")
    assert busy.count() > 30  # the demo's lunch and dinner hours, every day
    expect(page.locator("[data-kpi=calls] .kpi-value")).to_have_text(re.compile(r"^\d{3}"))
    expect(page.locator("[data-kpi=revenue] .kpi-value")).to_contain_text("€")
    expect(page.locator("[data-kpi=calls] .kpi-delta")).to_contain_text("vs previous period")
    screenshot(page, "analytics")
    assert page.errors == []

    page.get_by_label("From").fill("2026-03-10")  # a period that ends before it starts
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_label("To").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("To:")
    expect(page.get_by_text("Check the filters above.")).to_be_visible()
    expect(page.locator("[data-chart=per-day]")).to_be_hidden()
    assert all("400 (Bad Request)" in error for error in page.errors), page.errors  # the API's answer, shown


def test_staff_and_outsiders_cannot_open_calls_or_analytics(live, calls):
    call = CallRecord.objects.filter(business=calls).first()
    paths = (f"/app/b/{calls.pk}/calls/", f"/app/b/{calls.pk}/calls/{call.pk}/", f"/app/b/{calls.pk}/analytics/")
    staff = live.sign_in(*STAFF)
    nav = staff.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Order board")).to_be_visible()
    expect(nav.get_by_role("link", name="Calls")).to_be_hidden()
    expect(nav.get_by_role("link", name="Analytics")).to_be_hidden()
    for path in paths:
        staff.goto(path)
        expect(staff.get_by_text("Your role in this business does not include this page.")).to_be_visible()
        expect(staff.locator("tbody tr, canvas, .bubble")).to_have_count(0)
    outsider = live.sign_in(*OUTSIDER)
    for path in paths:
        outsider.goto(path)
        expect(outsider.get_by_text("belongs to a business you are not a member of")).to_be_visible()
        expect(outsider.locator("tbody tr, canvas, .bubble")).to_have_count(0)


def _english_phrases() -> set[str]:
    """The dashboard's English sentences that Italian says otherwise (several words: a one-word msgid
    such as "Orders" is also a number's label in the demo data)."""
    from babel.messages.pofile import read_po
    from django.conf import settings

    with open(Path(settings.BASE_DIR, "locale/it/LC_MESSAGES/django.po"), "rb") as po:
        catalog = read_po(po)
    return {
        m.id
        for m in catalog
        if m.id and m.string and m.string != m.id and " " in m.id and "%(" not in m.id and "{" not in m.id
    }


def _untranslated(page) -> list[str]:
    text = page.locator("body").inner_text()
    return sorted(
        phrase for phrase in _english_phrases() if re.search(rf"\b{re.escape(phrase)}\b", text, re.IGNORECASE)
    )


def test_calls_and_analytics_speak_italian_with_italian_dates_and_money(live, calls):
    page = live.sign_in_italian(*OWNER)
    nav = page.get_by_role("navigation", name="Principale")

    nav.get_by_role("link", name="Chiamate").click()
    expect(page.get_by_role("heading", name="Chiamate", exact=True)).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    for label in ("Dal", "Al", "Numero", "Esito", "Chi chiama"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Quando")).to_be_visible()
    expect(page.get_by_role("button", name="Scarica CSV")).to_be_enabled()
    expect(page.get_by_role("button", name="Mostra altre")).to_be_visible()
    # "7 dic 2026, 20:15": Italian month abbreviations, day first, a 24-hour clock.
    italian_when = re.compile(r"^\d{1,2} (gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic) \d{4}, \d{2}:\d{2}$")
    for when in rows.locator("th a").all_inner_texts()[:10]:
        assert italian_when.match(when), when
    expect(rows.filter(has_text="Con risposta").first).to_be_visible()
    page.get_by_label("Esito", exact=True).select_option(label="Perse: ristorante al limite di chiamate")
    page.get_by_role("button", name="Filtra").click()
    expect(rows.first).to_contain_text("Persa: ristorante al limite di chiamate")
    assert _untranslated(page) == []
    screenshot(page, "calls-it")

    rows.first.locator("th a").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Chiamata da \+39\d+, \d{1,2} \w{3} \d{4}, \d{2}:\d{2}$"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Conversazione")).to_be_visible()
    expect(page.locator("[data-outcome]")).to_have_text("Persa: ristorante al limite di chiamate")
    assert _untranslated(page) == []

    nav.get_by_role("link", name="Statistiche").click()
    expect(page.get_by_role("heading", name="Statistiche", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Chiamate al giorno")).to_be_visible()
    expect(page.get_by_role("heading", name="Ore di punta")).to_be_visible()
    expect(page.locator("[data-chart=per-day] canvas")).to_have_count(1)
    expect(page.locator("[data-kpi=calls] .kpi-label")).to_have_text("Chiamate")
    expect(page.locator("[data-kpi=calls] .kpi-delta")).to_contain_text("rispetto al periodo precedente")
    # Euros as Italians write them: "1234,50 €" (a dot between thousands from five digits up).
    expect(page.locator("[data-kpi=revenue] .kpi-value")).to_have_text(re.compile(r"^\d{1,3}(\.?\d{3})*,\d{2}\s€$"))
    expect(page.locator("[data-range]")).to_have_text(
        re.compile(r"^Dal \d{1,2} \w{3} \d{4} al \d{1,2} \w{3} \d{4}, rispetto al periodo dal ")
    )
    weekdays = page.locator(".heat-grid .heat-day").all_inner_texts()
    assert weekdays == ["lun", "mar", "mer", "gio", "ven", "sab", "dom"], weekdays
    assert _untranslated(page) == []
    screenshot(page, "analytics-it")
    assert page.errors == []
