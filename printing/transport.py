"""Getting a ticket's bytes onto paper: ESC/POS over a raw TCP socket (port 9100) or an IPP Print-Job.

Used by the platform's Celery task for printers it can reach and by `manage.py print_agent`
inside a restaurant's LAN for the others: the same code, the same outcomes.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass

from pyipp.enums import IppOperation
from pyipp.parser import parse as ipp_parse
from pyipp.serializer import encode_dict

# DLE EOT 4: the printer's paper roll sensor. Bits 5 and 6 of the answer: paper end.
PAPER_STATUS_QUERY = b"\x10\x04\x04"
PAPER_END_BITS = 0x60


@dataclass(frozen=True)
class Delivery:
    """What one attempt came to: printed, or why not, and the printer's state as far as the protocol says."""

    printed: bool
    status: str  # "ok", "offline", "paper_out"
    error: str = ""


def send(*, protocol: str, host: str, port: int, data: bytes, timeout: float, job_name: str = "PanBot") -> Delivery:
    """Send `data` to the printer once; never raises for a printer's failure (it is the Delivery's error)."""
    try:
        if protocol == "ipp":
            return _send_ipp(host, port, data, timeout, job_name)
        return _send_escpos(host, port, data, timeout)
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


def _send_escpos(host: str, port: int, data: bytes, timeout: float) -> Delivery:
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.settimeout(timeout)
        paper = _paper_status(conn, min(timeout, 1.0), restore=timeout)
        if paper == "paper_out":
            return Delivery(False, "paper_out", "The printer is out of paper.")
        conn.sendall(data)
        # A clean close after the last byte: a printer that drops the connection mid-job shows as an error here.
        conn.shutdown(socket.SHUT_WR)
        try:
            while conn.recv(1024):
                pass
        except TimeoutError:
            pass  # printers often keep the socket open; everything was sent
    return Delivery(True, "ok")


def _paper_status(conn: socket.socket, timeout: float, *, restore: float) -> str | None:
    """Ask the paper sensor (ESC/POS real-time status); None when the printer does not answer (many do not)."""
    conn.sendall(PAPER_STATUS_QUERY)
    conn.settimeout(timeout)
    try:
        answer = conn.recv(1)
    except TimeoutError:
        return None
    finally:
        conn.settimeout(restore)
    if not answer:
        raise ConnectionResetError("the printer closed the connection")
    return "paper_out" if answer[0] & PAPER_END_BITS else "ok"


def _send_ipp(host: str, port: int, data: bytes, timeout: float, job_name: str) -> Delivery:
    # Raw ESC/POS as the document: a CUPS raw queue or an IPP receipt printer takes it as it is.
    request = encode_dict(
        {
            "version": (2, 0),
            "operation": IppOperation.PRINT_JOB,
            "request-id": 1,
            "operation-attributes-tag": {
                "attributes-charset": "utf-8",
                "attributes-natural-language": "en",
                "printer-uri": f"ipp://{host}:{port}/ipp/print",
                "requesting-user-name": "PanBot",
                "job-name": job_name,
                "document-format": "application/octet-stream",
            },
            "data": data,
        }
    )
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/ipp/print", body=request, headers={"Content-Type": "application/ipp"})
        response = conn.getresponse()
        body = response.read()
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
