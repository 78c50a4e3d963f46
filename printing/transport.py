"""Getting a ticket's bytes onto paper: ESC/POS over a raw TCP socket (port 9100) or an IPP Print-Job.

Used by the platform's Celery task for printers it can reach and by `manage.py print_agent`
inside a restaurant's LAN for the others: the same code, the same outcomes.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass

from pyipp.enums import IppOperation
from pyipp.parser import parse as ipp_parse
from pyipp.serializer import encode_dict

# DLE EOT 4: the printer's paper roll sensor. Bits 5 and 6 of the answer: paper end.
PAPER_STATUS_QUERY = b"\x10\x04\x04"
PAPER_END_BITS = 0x60


UNCONFIRMED = "Sent to the printer but not confirmed: check the printer and reprint if the ticket did not come out."


@dataclass(frozen=True)
class Delivery:
    """What one attempt came to: printed, or why not, and the printer's state as far as the protocol says.

    `unconfirmed`: the whole ticket went out but the printer did not confirm it (a reset or a
    silence after the last byte). It may have printed, so it is never retried by itself: a person
    looks at the printer and reprints.
    """

    printed: bool
    status: str  # "ok", "offline", "paper_out"
    error: str = ""
    unconfirmed: bool = False


class _Unconfirmed(Exception):
    """The ticket was handed to the printer's socket; what came after failed."""

    def __init__(self, status: str = "offline") -> None:
        self.status = status


class _Deadline:
    """One attempt's overall limit (monotonic): every step gets what is left of it, at most `step`."""

    def __init__(self, total: float, step: float) -> None:
        self.end = time.monotonic() + total
        self.step = step

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the attempt ran out of time")
        return min(self.step, remaining)


@dataclass(frozen=True)
class AddressPolicy:
    """Where the platform itself may connect: a printer's address must not reach its own services.

    Private LAN addresses are printers' addresses; loopback (unless allowed), link-local (a
    cloud's metadata service), multicast, unspecified and reserved addresses never are, and the
    port must be one of `allowed_ports` ((first, last) ranges).
    """

    allow_loopback: bool
    allowed_ports: tuple[tuple[int, int], ...]


class AddressRefused(Exception):
    pass


def checked_address(host: str, port: int, policy: AddressPolicy) -> str:
    """The IP address to connect to for `host`, resolved now and checked; raises AddressRefused.

    The caller connects to this address, never to the name again (which could resolve elsewhere).
    """
    if not any(first <= port <= last for first, last in policy.allowed_ports):
        raise AddressRefused(f"Port {port} is not a printer port this platform connects to (PRINTER_ALLOWED_PORTS).")
    refused = ""
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if (
            address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address.is_reserved
            or (address.is_loopback and not policy.allow_loopback)
        ):
            refused = refused or str(address)
            continue
        return str(address)
    raise AddressRefused(
        f"The printer's address {host} is {refused}, which is not a printer this platform may connect to "
        "(loopback, link-local, multicast or reserved). A printer in the restaurant's network is reached "
        "through a print agent (connection: relay)."
    )


def send(
    *,
    protocol: str,
    host: str,
    port: int,
    data: bytes,
    timeout: float,
    job_name: str = "PanBot",
    policy: AddressPolicy | None = None,
) -> Delivery:
    """Send `data` to the printer once; never raises for a printer's failure (it is the Delivery's error).

    The whole attempt takes at most 2 x timeout + 1 s, whatever the printer does (the platform's
    claim on a job outlasts it). With a `policy` (the platform's own sender) the host is resolved
    and checked first, and the checked address is the one connected to.
    """
    deadline = _Deadline(2 * timeout + 1, timeout)
    try:
        target = host
        if policy is not None:
            try:
                target = checked_address(host, port, policy)
            except AddressRefused as exc:
                return Delivery(False, "offline", str(exc))
        if protocol == "ipp":
            return _send_ipp(target, port, data, deadline, job_name)
        return _send_escpos(target, port, data, deadline)
    except _Unconfirmed as exc:
        return Delivery(False, exc.status, UNCONFIRMED, unconfirmed=True)
    except TimeoutError:
        return Delivery(False, "offline", f"The printer at {host}:{port} did not answer within {timeout:g} s.")
    except ConnectionRefusedError:
        return Delivery(False, "offline", f"The printer at {host}:{port} refused the connection.")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Delivery(False, "offline", f"The printer at {host}:{port} could not be reached: {reason}.")
    except (http.client.HTTPException, ValueError) as exc:
        # Garbage where an IPP (HTTP) answer should be: a wrong port, a device that is not a printer.
        reason = type(exc).__name__
        return Delivery(False, "offline", f"The printer at {host}:{port} gave an unreadable answer ({reason}).")


def _send_escpos(host: str, port: int, data: bytes, deadline: _Deadline) -> Delivery:
    with socket.create_connection((host, port), timeout=deadline.left()) as conn:
        # Before the ticket: a failure here printed nothing, so the attempt can be retried.
        paper = _paper_status(conn, min(deadline.left(), 1.0))
        if paper == "paper_out":
            return Delivery(False, "paper_out", "The printer is out of paper.")
        sent = 0
        while sent < len(data):
            try:
                conn.settimeout(deadline.left())
                sent += conn.send(data[sent:])
            except OSError:
                if sent:
                    raise _Unconfirmed() from None  # part of the ticket went out
                raise
        # After the ticket: it may be on paper, so a failure is not retried (it could print twice).
        try:
            if paper is not None:
                # The printer answers status queries: it must answer this one too, after the ticket.
                after = _paper_status(conn, deadline.left())
                if after is None:
                    raise _Unconfirmed()
                if after == "paper_out":
                    raise _Unconfirmed("paper_out")  # the roll ran out during the ticket
                return Delivery(True, "ok")
            # A mute printer: a clean close after the last byte is all it says.
            conn.shutdown(socket.SHUT_WR)
            while True:
                try:
                    conn.settimeout(deadline.left())
                    if not conn.recv(1024):
                        break
                except TimeoutError:
                    break  # printers often keep the socket open; everything was sent
        except OSError as exc:  # a reset, or the deadline, after the last byte
            raise _Unconfirmed() from exc
    return Delivery(True, "ok")


def _paper_status(conn: socket.socket, timeout: float) -> str | None:
    """Ask the paper sensor (ESC/POS real-time status); None when the printer does not answer (many do not)."""
    conn.settimeout(timeout)
    conn.sendall(PAPER_STATUS_QUERY)
    try:
        answer = conn.recv(1)
    except TimeoutError:
        return None
    if not answer:
        raise ConnectionResetError("the printer closed the connection")
    return "paper_out" if answer[0] & PAPER_END_BITS else "ok"


def _uri_host(host: str) -> str:
    """An IPv6 literal in a URI is written in brackets: ipp://[fd00::50]:631/."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _send_ipp(host: str, port: int, data: bytes, deadline: _Deadline, job_name: str) -> Delivery:
    # Raw ESC/POS as the document: a CUPS raw queue or an IPP receipt printer takes it as it is.
    request = encode_dict(
        {
            "version": (2, 0),
            "operation": IppOperation.PRINT_JOB,
            "request-id": 1,
            "operation-attributes-tag": {
                "attributes-charset": "utf-8",
                "attributes-natural-language": "en",
                "printer-uri": f"ipp://{_uri_host(host)}:{port}/ipp/print",
                "requesting-user-name": "PanBot",
                "job-name": job_name,
                "document-format": "application/octet-stream",
            },
            "data": data,
        }
    )
    conn = http.client.HTTPConnection(host, port, timeout=deadline.left())
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(deadline.left())
        conn.request("POST", "/ipp/print", body=request, headers={"Content-Type": "application/ipp"})
        # The job is with the printer: a reset or a silence now may still have printed it (not retried).
        # An answer that is not HTTP at all is a device that does not speak IPP: nothing printed.
        try:
            if conn.sock is not None:
                conn.sock.settimeout(deadline.left())
            response = conn.getresponse()
            body = b""
            while chunk := response.read(65536):
                body += chunk
                if conn.sock is not None:
                    conn.sock.settimeout(deadline.left())
        except OSError as exc:
            raise _Unconfirmed() from exc
    finally:
        conn.close()
    if response.status != 200:
        return Delivery(False, "offline", f"The printer answered HTTP {response.status}.")
    try:
        status_code = ipp_parse(body)["status-code"]
    except Exception:
        return Delivery(False, "offline", "The printer's IPP answer could not be read.")
    if status_code >= 0x0400:
        # client-error-* (0x04xx) and server-error-* (0x05xx): not printed
        return Delivery(False, "offline", f"The printer refused the job (IPP status 0x{status_code:04x}).")
    return Delivery(True, "ok")
