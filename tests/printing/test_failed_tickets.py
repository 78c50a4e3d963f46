"""The feed's snapshot names the open orders' kitchen tickets that failed, so a board opened (or reset)
after the failure marks them too: per printer, the latest job decides, and nothing else is named."""

from __future__ import annotations

import pytest

from orders.services import order_place, order_transition
from panbot.feed.selectors import feed_snapshot
from printing import selectors
from printing.models import PrintJob

pytestmark = pytest.mark.django_db(transaction=True)  # the snapshot reads in a REPEATABLE READ transaction of its own


def test_the_snapshot_names_the_kitchen_tickets_whose_latest_job_on_a_printer_failed(
    business, outsider_business, make_menu, taking_orders, at, make_printer, closed_port, fake_printer, make_user
):
    at(2026, 6, 13, 18, 0)
    refusing = make_printer(closed_port, name="Cucina")
    make_printer(fake_printer.port, name="Bar")  # prints every kitchen ticket
    make_printer(closed_port, name="Cassa", tickets="receipt")  # its receipts fail: not the kitchen's concern
    menu = make_menu(business)
    line = [{"item_id": menu.cola.pk, "quantity": 1}]

    def place(name: str):
        return order_place(business=business, items=line, customer_name=name, customer_phone="3331234567")

    failed, reprinting, cancelled = place("Giulia"), place("Marco"), place("Anna")
    assert fake_printer.wait_for_jobs(3) and len(fake_printer.jobs) == 3
    # Marco's ticket is being printed again (a person asked): not failed any more, for now.
    PrintJob.objects.create(
        business=business, printer=refusing, order=reprinting, kind="kitchen", requested_by=make_user("staff")
    )
    order_transition(business=business, order_id=cancelled.pk, to_status="cancelled", reason="Test")  # off the board

    data, _ = feed_snapshot(business_id=business.pk)

    shown = [
        (job["order_id"], job["printer_name"], job["kind"], job["status"], job["reprint"])
        for job in data["print_failures"]
    ]
    assert shown == [(failed.pk, "Cucina", "kitchen", "failed", False)]
    assert (
        data["print_failures"][0]["error"] == PrintJob.objects.get(order=failed, printer=refusing, kind="kitchen").error
    )
    assert "refused" in data["print_failures"][0]["error"]
    assert not selectors.orders_failed_tickets(outsider_business.pk, [failed.pk]).exists()  # another business's orders
    down = [(printer["name"], printer["status"]) for printer in data["printers_down"]]
    assert down == [("Cassa", "offline"), ("Cucina", "offline")]  # Bar printed: not down
    assert "refused" in data["printers_down"][0]["detail"]
    assert not selectors.business_printers_down(outsider_business.pk).exists()
