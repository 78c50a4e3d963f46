"""Kitchen tickets on the order board, in a real browser: a ticket that could not be printed is marked
on its order's card with a reprint button, a printer that cannot print is named in a banner, and a
reprint on a working printer clears both."""

from __future__ import annotations

import socket

from playwright.sync_api import expect

from orders.models import Order
from printing import services
from printing.models import Printer, PrintJob
from tests.dashboard.conftest import screenshot
from tests.dashboard.test_board_page import STAFF, open_all_day, open_board, phone_order  # noqa: F401 (a fixture)
from tests.printing.conftest import FakePrinter, decode_escpos


def closed_port() -> int:
    """A loopback port nobody listens on: the printer there refuses every connection at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_ticket_that_failed_is_marked_on_its_card_and_a_reprint_on_a_working_printer_clears_it(
    live,
    open_all_day,  # noqa: F811
):
    printer = services.printer_save(
        printer=Printer(business=open_all_day, name="Cucina", host="127.0.0.1", port=closed_port())
    )
    page = open_board(live, width=1180, height=820)
    phone_order()  # the ticket is tried 4 times (inline: eager Celery), then fails

    order = Order.objects.get()
    job = PrintJob.objects.get(order=order)
    assert (job.status, job.attempts) == ("failed", 4)
    card = page.locator(f"article.order[data-order-id='{order.pk}']")
    marker = card.locator("[data-ticket-failed]")
    expect(marker).to_contain_text("Ticket not printed", timeout=2_000)
    expect(marker).to_contain_text(f"Cucina: {job.error}")
    expect(page.get_by_role("alert").filter(has_text="Printer Cucina is offline.")).to_be_visible()
    reprint = card.get_by_role("button", name="Reprint")
    box = reprint.bounding_box()
    assert box is not None and box["height"] >= 48  # a touch target
    screenshot(page, "board-ticket-failed")

    page.reload()  # a new page learns of the failed ticket from the feed's snapshot
    expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "live")
    expect(marker).to_contain_text("Ticket not printed")
    expect(page.get_by_role("alert").filter(has_text="Printer Cucina is offline.")).to_be_visible()

    fake = FakePrinter()
    try:
        printer.port = fake.port  # the printer is back (at its new address)
        services.printer_save(printer=printer)
        held = []  # the reprint request, held until the page has shown it is under way
        page.route("**/orders/*/print/", lambda route: held.append(route))
        reprint.click()
        expect(card.get_by_role("button", name="Reprinting…")).to_be_disabled()
        assert len(held) == 1 and held[0].request.post_data_json == {"kind": "kitchen", "printer": printer.pk}
        held[0].continue_()

        expect(marker).to_have_count(0, timeout=15_000)  # a working printer confirms within seconds
        (data,) = fake.wait_for_jobs(1)
        text = decode_escpos(data, "cp858")
        assert f"#{order.ticket_number}" in text and "Margherita" in text and "RISTAMPA" in text.upper()
        expect(page.get_by_role("alert").filter(has_text="Printer Cucina")).to_have_count(0)  # back to ok
        assert list(PrintJob.objects.filter(order=order).values_list("status", flat=True)) == ["printed", "failed"]
        screenshot(page, "board-ticket-reprinted")
    finally:
        fake.stop()
    assert page.errors == []


def test_a_failed_reprint_shows_the_failure_again(live, open_all_day):  # noqa: F811
    services.printer_save(printer=Printer(business=open_all_day, name="Cucina", host="127.0.0.1", port=closed_port()))
    page = live.sign_in_italian(*STAFF)
    expect(page.locator("[data-feed-state]")).to_have_attribute("data-feed-state", "live")
    phone_order()
    card = page.locator("article.order")
    expect(card.locator("[data-ticket-failed]")).to_contain_text("Comanda non stampata", timeout=2_000)
    card.get_by_role("button", name="Ristampa", exact=True).click()
    expect(card.get_by_role("button", name="Ristampa", exact=True)).to_be_enabled(timeout=15_000)  # it failed again
    expect(card.locator("[data-ticket-failed]")).to_have_count(1)
    expect(card.locator("[data-ticket-failed]")).to_contain_text("Comanda non stampata")
    expect(page.get_by_role("alert").filter(has_text="La stampante Cucina non è raggiungibile.")).to_be_visible()
    jobs = PrintJob.objects.filter(order=Order.objects.get())
    assert [(status, by is not None) for status, by in jobs.values_list("status", "requested_by")] == [
        ("failed", True),  # the reprint, newest first
        ("failed", False),
    ]
    assert page.errors == []
