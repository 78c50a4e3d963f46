"""Printers and data that misbehave: garbage answers, bugs while rendering, a bad job among an agent's claims."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from printing import services, transport
from printing.models import Printer, PrintJob
from tests.printing.conftest import FakePrinter

pytestmark = pytest.mark.django_db


class GarbageServer:
    """A TCP server on loopback that answers every connection with `answer` and closes."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def stop(self) -> None:
        self.server.close()


@pytest.fixture
def garbage() -> Iterator[type[GarbageServer]]:
    servers: list[GarbageServer] = []

    def make(answer: bytes) -> GarbageServer:
        servers.append(GarbageServer(answer))
        return servers[-1]

    yield make  # type: ignore[misc]
    for server in servers:
        server.stop()


@pytest.mark.parametrize(
    "answer",
    [b"NOT A PRINTER\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n", b"\x12"],
    ids=["bad status line", "header line too long", "one byte"],
)
def test_a_garbage_ipp_answer_is_an_offline_delivery_not_an_exception(garbage, answer):
    server = garbage(answer)
    delivery = transport.send(protocol="ipp", host="127.0.0.1", port=server.port, data=b"ticket", timeout=2)
    assert (delivery.printed, delivery.status) == (False, "offline")
    assert f"127.0.0.1:{server.port}" in delivery.error


def test_a_bug_while_rendering_is_a_failed_attempt_not_a_job_stuck_sending(business, make_printer, fake_printer,
                                                                          monkeypatch, caplog):  # fmt: skip
    printer = make_printer(fake_printer.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")

    def broken_document(job: PrintJob) -> bytes:
        raise KeyError("a bug in the layout")

    monkeypatch.setattr(services, "job_document", broken_document)
    with caplog.at_level(logging.ERROR, logger="printing.services"):
        attempt = services.print_job_attempt(job_id=job.pk, expected_attempts=0)
    assert attempt.result == "retry"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claimed_until) == ("queued", 1, None)
    assert "KeyError" in job.error
    assert any(r.exc_info and "a bug in the layout" in str(r.exc_info[1]) for r in caplog.records)  # the traceback


def test_a_bug_in_the_transport_is_a_failed_attempt_too(business, make_printer, fake_printer, monkeypatch):
    printer = make_printer(fake_printer.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")

    def broken_send(**kwargs: object) -> transport.Delivery:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(transport, "send", broken_send)
    for attempts in range(4):
        services.print_job_attempt(job_id=job.pk, expected_attempts=attempts)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 4)
    assert fake_printer.jobs == []


@pytest.fixture
def quick(settings):
    settings.PRINTER_TIMEOUT_SECONDS = 1


@pytest.mark.parametrize("mode", ["stall", "reset_after"])
def test_a_ticket_sent_but_not_confirmed_is_failed_for_a_person_never_retried(
    quick, business, make_printer, mode, django_capture_on_commit_callbacks
):
    printer_ = FakePrinter(mode=mode)
    try:
        printer = make_printer(printer_.port)
        with django_capture_on_commit_callbacks(execute=True):
            services.printer_test(printer=printer, by=None)
        time.sleep(0.3)
        connections = len(printer_.connections)
    finally:
        printer_.stop()
    job = PrintJob.objects.get()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.error == transport.UNCONFIRMED
    assert connections == 1  # sent once: a retry could have printed it twice
    assert Printer.objects.get(pk=printer.pk).status == "offline"


def test_an_attempt_never_outlives_its_deadline(quick):
    stalled = FakePrinter(mode="stall")
    try:
        started = time.monotonic()
        delivery = transport.send(protocol="escpos", host="127.0.0.1", port=stalled.port, data=b"x" * 10, timeout=1)
        took = time.monotonic() - started
    finally:
        stalled.stop()
    assert delivery.unconfirmed and not delivery.printed
    assert took < 2 * 1 + 1  # the whole attempt within 2 x timeout + 1 s


def test_an_outcome_arriving_after_the_claim_was_lost_is_not_recorded(business, make_printer, fake_printer,
                                                                     monkeypatch):  # fmt: skip
    """A slow first sender's late 'failed' must not overwrite the second sender's claim of the same job."""
    printer = make_printer(fake_printer.port)
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")

    def slow_send(**kwargs: object) -> transport.Delivery:
        # While this sender works its lease runs out and another sender claims the job: attempt 2, sending.
        stale = PrintJob.objects.filter(pk=job.pk, status="sending", attempts=1)
        assert stale.update(attempts=2, claimed_until="2999-01-01T00:00:00Z") == 1
        return transport.Delivery(False, "offline", "late failure of the first sender")

    monkeypatch.setattr(transport, "send", slow_send)
    assert services.print_job_attempt(job_id=job.pk, expected_attempts=0).result == "skipped"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("sending", 2, "")  # the second claim still owns it
