"""Print jobs: a new order prints by itself, once; failures are retried 3 times then shown; reprints print again."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from celery import Celery
from django.db import transaction

from orders.models import Order
from orders.services import order_place
from panbot.models import Event
from printing import services, tickets
from printing.models import Printer, PrintJob
from printing.tasks import send_print_job
from tests.concurrency import run_concurrently
from tests.printing.conftest import FakePrinter, decode_escpos

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(business, menu, at, taking_orders, django_capture_on_commit_callbacks):
    """Place an order as the agent does, running what it enqueues on commit (the print tasks, eagerly)."""
    at(2026, 6, 13, 18, 0)

    def place(**overrides: object) -> Order:
        fields = {
            "business": business,
            "items": [{"item_id": menu.margherita.pk, "quantity": 1, "modifier_ids": [menu.normale.pk]}],
            "customer_name": "Giulia",
            "customer_phone": "333 123 4567",
            **overrides,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return order_place(**fields)

    return place


def events(kind: str) -> list[dict]:
    return [e.payload for e in Event.objects.filter(type=kind).order_by("pk")]


def test_a_new_order_prints_its_kitchen_ticket_once_by_itself(place, make_printer, fake_printer):
    printer = make_printer(fake_printer.port)
    order = place()
    (data,) = fake_printer.wait_for_jobs(1)
    text = decode_escpos(data, "cp858")
    assert "ORDINE TELEFONICO" in text and f"#{order.ticket_number}" in text and "1 x Margherita" in text
    (job,) = PrintJob.objects.all()
    assert (job.kind, job.status, job.attempts, job.requested_by) == ("kitchen", "printed", 1, None)
    printer.refresh_from_db()
    assert printer.status == "ok"
    assert events("print_job.updated") == [
        {"job_id": job.pk, "order_id": order.pk, "printer_id": printer.pk, "printer_name": printer.name,
         "kind": "kitchen", "status": "printed", "attempts": 1, "error": "", "reprint": False}
    ]  # fmt: skip
    assert events("printer.status") == [{"printer_id": printer.pk, "name": printer.name, "status": "ok", "detail": ""}]


def test_a_printer_for_both_prints_a_kitchen_ticket_and_a_receipt(place, make_printer, fake_printer):
    make_printer(fake_printer.port, tickets=Printer.Tickets.BOTH)
    place()
    jobs = fake_printer.wait_for_jobs(2)
    texts = sorted(decode_escpos(data, "cp858") for data in jobs)
    assert len(texts) == 2
    assert any("TOTALE" in t for t in texts) and any("ORDINE TELEFONICO" in t for t in texts)


def test_auto_print_off_or_a_deactivated_printer_prints_nothing(place, make_printer, fake_printer):
    make_printer(fake_printer.port, auto_print=False)
    make_printer(fake_printer.port, is_active=False)
    place()
    time.sleep(0.3)  # give a wrongly sent ticket the time to arrive
    assert fake_printer.jobs == [] and not PrintJob.objects.exists()


def test_an_order_rolled_back_prints_nothing(business, menu, at, taking_orders, make_printer, fake_printer):
    make_printer(fake_printer.port)
    at(2026, 6, 13, 18, 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        order_place(business=business, items=[{"item_id": menu.cola.pk, "quantity": 1}], customer_name="Giulia",
                    customer_phone="333 123 4567")  # fmt: skip
        raise RuntimeError("the caller's order failed after all")
    assert not PrintJob.objects.exists() and fake_printer.jobs == []


def test_a_relay_printer_waits_for_its_print_agent(place, make_printer, fake_printer):
    make_printer(fake_printer.port, connection=Printer.Connection.RELAY)
    place()
    time.sleep(0.3)
    assert fake_printer.jobs == []
    assert list(PrintJob.objects.values_list("status", "attempts")) == [("queued", 0)]


def test_a_duplicated_event_or_a_redelivered_task_never_prints_twice(place, make_printer, fake_printer):
    make_printer(fake_printer.port)
    order = place()
    fake_printer.wait_for_jobs(1)
    job = PrintJob.objects.get()
    assert services.order_tickets_queue(order=order) == []  # the same order.created again
    assert send_print_job.apply(args=(job.pk, 0)).get() == "skipped"  # the first message again
    assert send_print_job.apply(args=(job.pk, 1)).get() == "skipped"  # a retry message that outlived its job
    time.sleep(0.3)
    assert len(fake_printer.jobs) == 1 and PrintJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_for_one_job_print_it_once(business, menu, make_printer, fake_printer):
    printer = make_printer(fake_printer.port)
    order = Order.objects.create(business=business, customer_name="Giulia", customer_phone="+393331234567",
                                 pickup_at="2026-06-13T19:20:00+02:00", currency="EUR", subtotal=3, total=3,
                                 ticket_date="2026-06-13", ticket_number=7)  # fmt: skip
    job = PrintJob.objects.create(business=business, printer=printer, order=order, kind="kitchen")
    results = run_concurrently(4, lambda i: services.print_job_attempt(job_id=job.pk, expected_attempts=0).result)
    assert sorted(result for _, result in results) == ["printed", "skipped", "skipped", "skipped"], results
    time.sleep(0.3)
    assert len(fake_printer.jobs) == 1


def test_a_printer_dropping_the_connection_is_tried_four_times_then_shown_failed(place, make_printer):
    broken = FakePrinter(mode="reset")
    try:
        printer = make_printer(broken.port)
        order = place()
        job = PrintJob.objects.get()
        assert (job.status, job.attempts) == ("failed", 4)  # the first attempt and 3 retries
        assert len(broken.connections) == 4
        assert "could not be reached" in job.error or "refused" in job.error
    finally:
        broken.stop()
    printer.refresh_from_db()
    assert printer.status == "offline"
    (failed,) = events("print_job.updated")
    assert (failed["status"], failed["order_id"], failed["attempts"]) == ("failed", order.pk, 4)
    assert [e["status"] for e in events("printer.status")] == ["offline"]


def test_a_refused_ticket_prints_when_a_person_reprints_it(place, make_printer, closed_port, fake_printer, make_user,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    member = make_user("cook")
    printer = make_printer(closed_port)
    order = place()
    first = PrintJob.objects.get()
    assert (first.status, first.attempts) == ("failed", 4)
    assert "refused the connection" in first.error
    printer.port = fake_printer.port  # the printer is back (or fixed)
    services.printer_save(printer=printer)
    with django_capture_on_commit_callbacks(execute=True):
        (again,) = services.order_ticket_reprint(
            business_id=order.business_id, order_id=order.pk, kind="kitchen", printer_id=None, by=member
        )
    (data,) = fake_printer.wait_for_jobs(1)
    assert "RISTAMPA" in decode_escpos(data, "cp858")
    again.refresh_from_db()
    assert (again.status, again.requested_by) == ("printed", member)
    assert [e["status"] for e in events("printer.status")] == ["offline", "ok"]


def test_a_printer_out_of_paper_says_so(place, make_printer):
    empty = FakePrinter(mode="paper_out")
    try:
        printer = make_printer(empty.port)
        place()
    finally:
        empty.stop()
    job = PrintJob.objects.get()
    assert (job.status, job.attempts, job.error) == ("failed", 4, "The printer is out of paper.")
    printer.refresh_from_db()
    assert printer.status == "paper_out"
    assert empty.jobs == []  # nothing was sent to a printer without paper


def test_a_printer_that_does_not_answer_status_still_prints(place, make_printer):
    mute = FakePrinter(mode="mute")
    try:
        make_printer(mute.port)
        place()
        assert len(mute.wait_for_jobs(1)) == 1
    finally:
        mute.stop()
    assert PrintJob.objects.get().status == "printed"


def test_ipp_printer_gets_the_ticket_as_a_print_job(place, make_printer, fake_ipp_printer):
    printer = make_printer(fake_ipp_printer.server_port, protocol=Printer.Protocol.IPP)
    order = place()
    (request,) = fake_ipp_printer.requests
    attributes = request["operation-attributes"]
    assert attributes["document-format"] == "application/octet-stream"
    assert attributes["printer-uri"] == f"ipp://127.0.0.1:{printer.port}/ipp/print"
    assert f"#{order.ticket_number}" in decode_escpos(request["data"], "cp858")
    assert PrintJob.objects.get().status == "printed"


def test_ipp_printer_refusing_the_job_is_a_failure(place, make_printer, fake_ipp_printer):
    fake_ipp_printer.status = 0x0507  # server-error-printer-is-deactivated... any error status
    make_printer(fake_ipp_printer.server_port, protocol=Printer.Protocol.IPP)
    place()
    job = PrintJob.objects.get()
    assert (job.status, job.attempts) == ("failed", 4)
    assert "IPP status 0x0507" in job.error


def test_a_printer_deactivated_after_queueing_fails_the_job_without_sending(business, make_printer, fake_printer):
    printer = make_printer(fake_printer.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")
    Printer.objects.filter(pk=printer.pk).update(is_active=False)
    assert services.print_job_attempt(job_id=job.pk, expected_attempts=0).result == "failed"
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The printer was deactivated.")
    assert fake_printer.jobs == []


def test_a_test_page_prints_accented_text(business, make_printer, fake_printer, make_user,
                                          django_capture_on_commit_callbacks):  # fmt: skip
    member = make_user("manager")
    printer = make_printer(fake_printer.port)
    with django_capture_on_commit_callbacks(execute=True):
        services.printer_test(printer=printer, by=member)
    (data,) = fake_printer.wait_for_jobs(1)
    text = decode_escpos(data, "cp858")
    assert "PAGINA DI PROVA" in text and "àèéìòù" in text and "€" in text


def test_lost_task_messages_are_sent_again_by_the_resume_task(business, make_printer, fake_printer,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    printer = make_printer(fake_printer.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")
    PrintJob.objects.filter(pk=job.pk).update(created_at="2020-01-01T00:00:00Z")  # queued, never sent
    fresh = PrintJob.objects.create(business=business, printer=printer, kind="test")  # its task is on its way
    assert services.print_jobs_resume() == 1
    fake_printer.wait_for_jobs(1)
    assert PrintJob.objects.get(pk=job.pk).status == "printed"
    assert PrintJob.objects.get(pk=fresh.pk).status == "queued"


@contextlib.contextmanager
def on_broker(url: str) -> Iterator[Celery]:
    """The Celery app on a real broker, not eager; every global it changes is put back after."""
    from panbot.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    try:
        yield app
    finally:
        app.conf.update(saved)
        # The app keeps its pools for that broker: dropped, so the next send takes the restored one.
        # (Not closed: kombu shares a pool per broker URL process-wide, and a closed one stays closed.)
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def real_broker(settings):
    with on_broker(settings.REDIS_URL) as app:
        yield app


def test_retries_wait_1_2_and_4_seconds_on_a_real_worker(transactional_db, business, make_printer, real_broker):
    """A real Celery worker on the Redis broker: the printer sees the attempts 1 s, 2 s and 4 s apart."""
    from celery.contrib.testing.worker import start_worker

    broken = FakePrinter(mode="reset")
    printer = make_printer(broken.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")
    try:
        # The printing queue's own worker (as in production): printing tasks are routed there.
        with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["printing"]):
            send_print_job.delay(job.pk, 0)
            deadline = time.monotonic() + 20
            while PrintJob.objects.get(pk=job.pk).status != "failed" and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        broken.stop()
    assert PrintJob.objects.get(pk=job.pk).status == "failed"
    gaps = [round(b - a, 1) for a, b in zip(broken.connections, broken.connections[1:], strict=False)]
    assert len(broken.connections) == 4, gaps
    for gap, wanted in zip(gaps, services.RETRY_DELAYS, strict=True):
        assert wanted <= gap < wanted + 1.0, gaps


def test_the_real_broker_leaves_the_celery_app_as_it_found_it(settings):
    from panbot.celery import app

    before = app.conf.broker_url
    app.conf.broker_url = "memory://before"
    try:
        with on_broker(settings.REDIS_URL) as real:
            assert (real.conf.broker_url, real.conf.task_always_eager) == (settings.REDIS_URL, False)
            with real.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1)
            real.pool  # noqa: B018  (a pooled connection to the real broker)
        assert (app.conf.broker_url, app.conf.task_always_eager) == ("memory://before", True)
        assert app._pool is None
    finally:
        app.conf.broker_url = before


def test_printing_tasks_go_to_their_own_queue_the_reaper_stays_on_the_default_one():
    from panbot.celery import app

    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("printing.tasks.send_print_job") == "printing"
    assert queue("printing.tasks.resume_print_jobs") == "printing"
    assert queue("telephony.tasks.reap_stale_calls") == "celery"


def test_the_ticket_document_is_the_layout_for_the_printers_paper(place, make_printer, fake_printer):
    printer = make_printer(fake_printer.port, paper_width_mm=58, code_page="CP850")
    order = place()
    (data,) = fake_printer.wait_for_jobs(1)
    order = Order.objects.prefetch_related("lines__modifiers").get(pk=order.pk)
    lines = tickets.kitchen_ticket(order)
    expected = tickets.preview(lines, paper_width_mm=58, code_page="CP850")
    # The "printed at" line is the send time; the rest must match the 58 mm CP850 layout.
    assert decode_escpos(data, "cp850").splitlines()[:-1] == expected.splitlines()[:-1]
    assert printer.code_page == "CP850"


@pytest.mark.django_db(transaction=True)
def test_a_broker_error_after_commit_does_not_fail_the_order_and_the_resume_task_sends_it(
    business, menu, at, taking_orders, make_printer, fake_printer, monkeypatch, caplog
):
    make_printer(fake_printer.port)
    at(2026, 6, 13, 18, 0)

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("the broker is down")

    monkeypatch.setattr(send_print_job, "delay", broker_down)
    order = order_place(business=business, items=[{"item_id": menu.cola.pk, "quantity": 1}], customer_name="Giulia",
                        customer_phone="333 123 4567")  # fmt: skip
    assert Order.objects.filter(pk=order.pk).exists()  # placed and committed
    job = PrintJob.objects.get()
    assert job.status == "queued" and fake_printer.jobs == []
    assert any("the broker is down" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)  # logged
    monkeypatch.undo()
    PrintJob.objects.filter(pk=job.pk).update(created_at="2020-01-01T00:00:00Z")
    assert services.print_jobs_resume() == 1
    assert len(fake_printer.wait_for_jobs(1)) == 1
