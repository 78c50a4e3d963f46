"""What the staff feed receives about printers and print jobs (`printer.status`, `print_job.updated`)."""

from __future__ import annotations

from typing import TypedDict

from printing.models import Printer, PrintJob


class PrinterStatusPayload(TypedDict):
    printer_id: int
    name: str
    status: str  # "ok", "offline", "paper_out"
    detail: str


class PrintJobPayload(TypedDict):
    job_id: int
    order_id: int | None
    printer_id: int
    printer_name: str
    kind: str
    status: str  # "printed" or "failed" (events are sent when a job ends)
    attempts: int
    error: str
    reprint: bool


def printer_status_payload(printer: Printer) -> PrinterStatusPayload:
    return {"printer_id": printer.pk, "name": printer.name, "status": printer.status, "detail": printer.status_detail}


def print_job_payload(job: PrintJob) -> PrintJobPayload:
    return {
        "job_id": job.pk,
        "order_id": job.order_id,
        "printer_id": job.printer_id,
        "printer_name": job.printer.name,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "error": job.error,
        "reprint": job.requested_by_id is not None,
    }
