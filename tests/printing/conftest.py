"""Fake printers on loopback (printing, resetting mid-job, out of paper, mute, speaking IPP) and helpers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyipp.parser import parse as ipp_parse

from printing import services
from printing.models import Printer
from printing.transport import PAPER_STATUS_QUERY

PAPER_OK, PAPER_END = 0x12, 0x72  # DLE EOT 4 answers: fixed bits; plus paper-end bits 5 and 6


@dataclass
class FakePrinter:
    """A raw TCP (9100-style) printer on 127.0.0.1.

    Modes: print (answers the status queries before and after the ticket), reset (drops the
    connection before the ticket), paper_out, mute (never answers a status query), stall (answers
    the first status query, then never reads nor answers again), reset_after (drops the connection
    right after receiving the whole ticket).
    """

    mode: str = "print"
    jobs: list[bytes] = field(default_factory=list)
    connections: list[float] = field(default_factory=list)  # monotonic time of each connection

    def __post_init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections.append(time.monotonic())
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            if self.mode == "reset":
                conn.recv(3)
                self._reset(conn)
                return  # closes with a reset: the printer died before the ticket
            data = b""
            try:
                while chunk := conn.recv(65536):
                    data += chunk
                    if data == PAPER_STATUS_QUERY:  # the status query before the ticket
                        if self.mode != "mute":
                            conn.sendall(bytes([PAPER_END if self.mode == "paper_out" else PAPER_OK]))
                        if self.mode == "paper_out":
                            return
                        if self.mode == "stall":
                            self._stop.wait(10)  # never reads nor answers again
                            return
                    elif self.mode == "reset_after" and b"\x1dV" in data:  # the ticket's cut: all of it is here
                        self.jobs.append(data[len(PAPER_STATUS_QUERY) :])
                        self._reset(conn)
                        return
                    elif self.mode != "mute" and len(data) > 3 and data.endswith(PAPER_STATUS_QUERY):
                        conn.sendall(bytes([PAPER_OK]))  # the status query after the ticket: it is here
            except TimeoutError:
                pass
            if data.startswith(PAPER_STATUS_QUERY):
                data = data[len(PAPER_STATUS_QUERY) :]
            if self.mode != "mute" and data.endswith(PAPER_STATUS_QUERY):
                data = data[: -len(PAPER_STATUS_QUERY)]
            if data:
                self.jobs.append(data)

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.jobs

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    printer = FakePrinter()
    yield printer
    printer.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connections are refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class _IppHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ipp_parse(body, contains_data=True)
        self.server.requests.append(request)  # type: ignore[attr-defined]
        status = self.server.status  # type: ignore[attr-defined]
        # version 2.0, status, request id, operation attributes (charset, language), end
        answer = (
            b"\x02\x00" + status.to_bytes(2, "big") + b"\x00\x00\x00\x01\x01"
            b"\x47\x00\x12attributes-charset\x00\x05utf-8"
            b"\x48\x00\x1battributes-natural-language\x00\x02en\x03"
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/ipp")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_ipp_printer() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _IppHandler)
    server.requests = []  # type: ignore[attr-defined]
    server.status = 0x0000  # type: ignore[attr-defined]  # successful-ok
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_printer(business):
    def make(port: int, **fields: object) -> Printer:
        fields.setdefault("name", f"Printer {Printer.objects.count() + 1}")
        return services.printer_save(printer=Printer(business=business, host="127.0.0.1", port=port, **fields))

    return make


def decode_escpos(data: bytes, code_page: str) -> str:
    """The text an ESC/POS byte stream prints: every command we emit is skipped, anything else fails the test."""
    fixed = {b"\x1b@": 2, b"\x1bt": 3, b"\x1b!": 3, b"\x1bE": 3, b"\x1ba": 3, b"\x1dB": 3, b"\x1bd": 3, b"\x1d!": 3}
    text, i = bytearray(), 0
    while i < len(data):
        if data[i] in (0x1B, 0x1D):
            command = data[i : i + 2]
            if command == b"\x1dV":  # cut: GS V m (m 0/1) or GS V m n (m 65/66)
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
                continue
            if command not in fixed:
                raise AssertionError(f"unexpected ESC/POS command {command!r} at {i}")
            i += fixed[command]
            continue
        text.append(data[i])
        i += 1
    return text.decode(code_page)
