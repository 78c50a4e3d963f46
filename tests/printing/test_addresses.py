"""SSRF: the platform's own sender only connects to printers' addresses and ports, checked when it sends."""

from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from printing import services, transport
from printing.models import Printer, PrintJob
from tests.printing.conftest import _IppHandler

pytestmark = pytest.mark.django_db

STRICT = transport.AddressPolicy(allow_loopback=False, allowed_ports=((1, 65535),))


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "0x7f000001", "2130706433", "127.1", "::1"])
def test_names_and_spellings_of_loopback_are_refused_at_send_time(fake_printer, host):
    delivery = transport.send(protocol="escpos", host=host, port=fake_printer.port, data=b"x", timeout=1, policy=STRICT)
    assert (delivery.printed, delivery.status) == (False, "offline")
    assert "not a printer this platform may connect to" in delivery.error and "relay" in delivery.error
    assert fake_printer.connections == []  # refused before connecting


@pytest.mark.parametrize("host", ["169.254.169.254", "224.0.0.1", "0.0.0.0", "240.0.0.1", "fe80::1"])  # noqa: S104
def test_link_local_multicast_unspecified_and_reserved_addresses_are_refused_without_a_connection(host):
    policy = transport.AddressPolicy(allow_loopback=True, allowed_ports=((9100, 9100),))
    delivery = transport.send(protocol="escpos", host=host, port=9100, data=b"x", timeout=1, policy=policy)
    assert (delivery.printed, delivery.status) == (False, "offline")
    assert "not a printer this platform may connect to" in delivery.error


def test_a_port_outside_the_allowed_ones_is_refused_at_send_time(fake_printer):
    policy = transport.AddressPolicy(allow_loopback=True, allowed_ports=((631, 631), (9100, 9109)))
    delivery = transport.send(
        protocol="escpos", host="127.0.0.1", port=fake_printer.port, data=b"x", timeout=1, policy=policy
    )
    assert not delivery.printed and "PRINTER_ALLOWED_PORTS" in delivery.error
    assert fake_printer.connections == []


def test_the_sender_connects_to_the_checked_address_not_the_name_again(fake_printer, monkeypatch):
    """A name that would resolve differently the second time (DNS rebinding) is never looked up again."""
    looked_up: list[str] = []

    def checked(host: str, port: int, policy: transport.AddressPolicy) -> str:
        looked_up.append(host)
        return "127.0.0.1"

    monkeypatch.setattr(transport, "checked_address", checked)
    policy = transport.AddressPolicy(allow_loopback=True, allowed_ports=((1, 65535),))
    delivery = transport.send(
        protocol="escpos", host="printer.invalid", port=fake_printer.port, data=b"ticket", timeout=1, policy=policy
    )
    assert delivery.printed and looked_up == ["printer.invalid"]
    assert fake_printer.wait_for_jobs(1) == [b"ticket"]


def test_a_direct_printer_named_localhost_is_refused_by_the_platforms_sender(business, make_printer, fake_printer,
                                                                           settings):  # fmt: skip
    printer = make_printer(fake_printer.port)
    Printer.objects.filter(pk=printer.pk).update(host="localhost")  # a name passes the save-time check
    settings.PRINTER_ALLOW_LOOPBACK = False
    job = PrintJob.objects.create(business=business, printer=printer, kind="test")
    for attempts in range(4):
        services.print_job_attempt(job_id=job.pk, expected_attempts=attempts)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 4)
    assert "localhost is 127.0.0.1" in job.error or "localhost is ::1" in job.error
    assert fake_printer.connections == []


def test_a_printers_port_must_be_an_allowed_one_when_saved(business, settings):
    settings.PRINTER_ALLOWED_PORTS = ((631, 631), (9100, 9109))
    with pytest.raises(ValidationError) as refused:
        services.printer_save(printer=Printer(business=business, name="Redis", host="10.0.0.5", port=6379))
    assert "631, 9100-9109" in refused.value.message_dict["port"][0]
    assert services.printer_save(printer=Printer(business=business, name="Pass", host="10.0.0.5", port=9101)).pk


class _Ipv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def test_an_ipv6_printer_gets_a_bracketed_ipp_uri():
    try:
        server = _Ipv6Server(("::1", 0), _IppHandler)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    server.requests = []  # type: ignore[attr-defined]
    server.status = 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        delivery = transport.send(protocol="ipp", host="::1", port=port, data=b"ticket", timeout=2)
    finally:
        server.shutdown()
        server.server_close()
    assert delivery.printed
    assert server.requests[0]["operation-attributes"]["printer-uri"] == f"ipp://[::1]:{port}/ipp/print"
