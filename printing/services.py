"""Printing's writes: printers, queueing tickets for new orders and reprints, attempts and their outcomes, agents.

Exactly once: a new order gets at most one automatic job per printer and kind (a unique
constraint, so a duplicated `order.created` or a re-run of the placing code queues nothing
twice), and a job is printed by whoever claims it, with a conditional update that only one
sender can win (a retried or duplicated task finds it claimed or printed and does nothing).
Only a person asking (a reprint, a test page) makes another job for the same ticket.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from orders.models import Order
from panbot.errors import Conflict, NotFound
from panbot.events import emit
from panbot.tenancy import runs_platform_wide
from printing import tickets, transport
from printing.models import PrintAgent, Printer, PrintJob
from printing.payloads import print_job_payload, printer_status_payload

# The first attempt and 3 retries, 1 s, 2 s and 4 s apart.
RETRY_DELAYS = (1, 2, 4)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
AGENT_LEASE = timedelta(seconds=60)  # a print agent's hold on a job it claimed

logger = logging.getLogger(__name__)


def _sender_lease() -> timedelta:
    # transport.send ends within 2 x timeout + 1 s whatever the printer does; the lease outlasts it
    # (and the rendering), so no second sender claims a job the first is still sending.
    return timedelta(seconds=3 * settings.PRINTER_TIMEOUT_SECONDS + 5)


# --- printers ------------------------------------------------------------------------------


@transaction.atomic
def printer_save(*, printer: Printer) -> Printer:
    """Create or update a printer after validating it (host, port, one name per business). Raises ValidationError."""
    printer.host = (printer.host or "").strip()
    if printer.protocol == Printer.Protocol.IPP and printer.port == 9100 and printer._state.adding:
        printer.port = 631
    printer.full_clean()
    printer.save()
    return printer


# --- queueing ------------------------------------------------------------------------------


def order_tickets_queue(*, order: Order) -> list[PrintJob]:
    """In the placing transaction: one job per auto-printing printer and kind; sent on commit.

    Idempotent: a job this order already has for a printer and kind is not queued again.
    """
    printers = Printer.objects.filter(business_id=order.business_id, is_active=True, auto_print=True)
    jobs = []
    for printer in printers:
        for kind in (PrintJob.Kind.KITCHEN, PrintJob.Kind.RECEIPT):
            if not printer.prints(kind):
                continue
            job, created = PrintJob.objects.get_or_create(
                printer=printer, order=order, kind=kind, requested_by=None, defaults={"business_id": order.business_id}
            )
            if created:
                jobs.append(job)
    _dispatch_on_commit(jobs)
    return jobs


@transaction.atomic
def order_ticket_reprint(
    *, business_id: int, order_id: int, kind: str, printer_id: int | None, by: Any
) -> list[PrintJob]:
    """A person asks for the order's ticket again: a new job for that printer (or every printer of that kind)."""
    order = Order.objects.filter(business_id=business_id, pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    active = Printer.objects.filter(business_id=business_id, is_active=True)
    if printer_id is not None:
        printers = list(active.filter(pk=printer_id))
        if not printers:
            raise ValidationError({"printer": "No such printer (or it is deactivated)."})
    else:
        printers = [p for p in active if p.prints(kind)]
        if not printers:
            raise ValidationError({"kind": f"No active printer prints {PrintJob.Kind(kind).label.lower()}s."})
    jobs = [
        PrintJob.objects.create(business_id=business_id, printer=printer, order=order, kind=kind, requested_by=by)
        for printer in printers
    ]
    _dispatch_on_commit(jobs)
    return jobs


@transaction.atomic
def printer_test(*, printer: Printer, by: Any) -> PrintJob:
    """A test page on this printer, now."""
    job = PrintJob.objects.create(
        business_id=printer.business_id, printer=printer, kind=PrintJob.Kind.TEST, requested_by=by
    )
    _dispatch_on_commit([job])
    return job


def _dispatch_on_commit(jobs: list[PrintJob]) -> None:
    direct = [job.pk for job in jobs if job.printer.connection == Printer.Connection.DIRECT]
    if not direct:
        return  # relay printers' jobs wait for their print agent to claim them

    def send() -> None:
        from printing.tasks import send_print_job

        for job_id in direct:
            send_print_job.delay(job_id, 0)

    # Robust: the order is committed; a broker that is down must not fail its placing (Django logs
    # the error). The jobs stay queued and the resume task sends them within a minute or so.
    transaction.on_commit(send, robust=True)


# --- rendering -----------------------------------------------------------------------------


def job_document(job: PrintJob) -> bytes:
    """The job's ESC/POS bytes for its printer's paper and code page."""
    printer = job.printer
    reprint = job.requested_by_id is not None
    if job.kind == PrintJob.Kind.TEST:
        business = printer.business
        lines = tickets.sample_page(printer.name, business.name, business.default_language)
    else:
        if job.order_id is None:
            raise ValueError(f"print job {job.pk} is a ticket without an order")  # the database's check forbids it
        order = (
            Order.objects.select_related("business")
            .prefetch_related("lines__modifiers")
            .get(pk=job.order_id, business_id=job.business_id)
        )
        build = tickets.kitchen_ticket if job.kind == PrintJob.Kind.KITCHEN else tickets.receipt
        lines = build(order, reprint=reprint)
    return tickets.escpos(lines, paper_width_mm=printer.paper_width_mm, code_page=printer.code_page)


# --- attempts (the platform's own sender) ------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What one run of the sender did: "printed", "retry" (in `retry_in` seconds), "failed" or "skipped"."""

    result: str
    retry_in: int | None = None


@runs_platform_wide
def print_job_attempt(*, job_id: int, expected_attempts: int) -> Attempt:
    """Claim the job (only if it has had exactly `expected_attempts`), send it once, record the outcome.

    `expected_attempts` makes each task message a ticket for one attempt: a duplicated or
    redelivered message for an attempt already made finds the count moved on and does nothing.
    """
    claimable = Q(status=PrintJob.Status.QUEUED, attempts=expected_attempts) | Q(
        status=PrintJob.Status.SENDING,
        claimed_until__lt=Now(),  # a sender that died mid-job
    )
    # Only the job's own columns in the WHERE: a join would make Django update through a subquery,
    # which PostgreSQL does not re-check against a concurrent claim (every racer would win).
    claimed = PrintJob.objects.filter(claimable, pk=job_id).update(
        status=PrintJob.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_until=Now() + _sender_lease(),
        updated_at=Now(),
    )
    if not claimed:
        return Attempt("skipped")
    job = PrintJob.objects.select_related("printer__business").get(pk=job_id)
    attempt = job.attempts  # this sender's claim: only its own outcome is recorded
    printer = job.printer
    if printer.connection != Printer.Connection.DIRECT:
        # Switched to a print agent since it was queued: back in the queue for the agent.
        PrintJob.objects.filter(pk=job_id, status=PrintJob.Status.SENDING, attempts=attempt).update(
            status=PrintJob.Status.QUEUED, attempts=F("attempts") - 1, claimed_until=None
        )
        return Attempt("skipped")
    if not printer.is_active:
        deactivated = transport.Delivery(False, printer.status, "The printer was deactivated.")
        return _finish(job, deactivated, attempt=attempt, final=True)
    try:
        delivery = transport.send(
            protocol=printer.protocol,
            host=printer.host,
            port=printer.port,
            data=job_document(job),
            timeout=settings.PRINTER_TIMEOUT_SECONDS,
            job_name=f"PanBot {job.kind} {job.order_id or 'test'}",
            policy=transport.AddressPolicy(
                allow_loopback=settings.PRINTER_ALLOW_LOOPBACK, allowed_ports=settings.PRINTER_ALLOWED_PORTS
            ),
        )
    except Exception as exc:  # a bug or bad data must not leave the job `sending` until its lease runs out
        logger.exception("Print job %s: rendering or sending failed unexpectedly", job_id)
        delivery = transport.Delivery(False, printer.status, f"The ticket could not be printed: {type(exc).__name__}.")
    return _finish(job, delivery, attempt=attempt)


@transaction.atomic
def _finish(job: PrintJob, delivery: transport.Delivery, *, attempt: int, final: bool = False) -> Attempt:
    """Record how claimed attempt number `attempt` went, if the job is still that claim's.

    A sender (or agent) whose lease ran out and whose job was claimed again records nothing: the
    new claim's outcome is the one that counts.
    """
    job = PrintJob.objects.select_for_update().select_related("printer").get(pk=job.pk)
    if job.status != PrintJob.Status.SENDING or job.attempts != attempt:
        logger.warning("Print job %s: attempt %s ended after its claim was lost; not recorded", job.pk, attempt)
        return Attempt("skipped")  # someone else claimed or finished it meanwhile
    _printer_status(job.printer, delivery.status, delivery.error)
    job.claimed_until = None
    if delivery.printed:
        job.status, job.error, job.printed_at = PrintJob.Status.PRINTED, "", timezone.now()
        job.save(update_fields=["status", "error", "printed_at", "claimed_until", "updated_at"])
        emit(job.business_id, "print_job.updated", dict(print_job_payload(job)))
        return Attempt("printed")
    job.error = delivery.error[:300]
    if final or delivery.unconfirmed or job.attempts >= MAX_ATTEMPTS:
        # Unconfirmed: the ticket may be on paper; another try could print it twice, so a person decides.
        job.status = PrintJob.Status.FAILED
        job.save(update_fields=["status", "error", "claimed_until", "updated_at"])
        emit(job.business_id, "print_job.updated", dict(print_job_payload(job)))
        return Attempt("failed")
    delay = RETRY_DELAYS[job.attempts - 1]
    job.status, job.not_before = PrintJob.Status.QUEUED, timezone.now() + timedelta(seconds=delay)
    job.save(update_fields=["status", "error", "not_before", "claimed_until", "updated_at"])
    return Attempt("retry", retry_in=delay)


def _printer_status(printer: Printer, status: str, detail: str) -> None:
    """Record the printer's state; announce it on the feed when it changed."""
    if printer.status == status and printer.status_detail == detail[:300]:
        return
    printer.status, printer.status_detail, printer.status_changed_at = status, detail[:300], timezone.now()
    Printer.objects.filter(pk=printer.pk).update(
        status=printer.status, status_detail=printer.status_detail, status_changed_at=printer.status_changed_at
    )
    emit(printer.business_id, "printer.status", dict(printer_status_payload(printer)))


@runs_platform_wide
def print_jobs_resume() -> int:
    """Send again what a lost task message left behind: direct jobs overdue by a minute, or held by a dead sender."""
    overdue = Q(status=PrintJob.Status.QUEUED) & (
        Q(not_before__isnull=True, created_at__lt=Now() - timedelta(minutes=1))
        | Q(not_before__lt=Now() - timedelta(minutes=1))
    )
    stale = Q(status=PrintJob.Status.SENDING, claimed_until__lt=Now())
    jobs = list(
        PrintJob.objects.filter(overdue | stale, printer__connection=Printer.Connection.DIRECT).values_list(
            "pk", "attempts"
        )[:500]
    )
    from printing.tasks import send_print_job

    for job_id, attempts in jobs:
        send_print_job.delay(job_id, attempts)
    return len(jobs)


# --- print agents (printers in the restaurant's LAN) ------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def print_agent_create(*, business_id: int, name: str) -> tuple[PrintAgent, str]:
    """A new print agent and its device token (shown once; only its hash is kept)."""
    name = (name or "").strip()
    if not name or len(name) > 60 or "\x00" in name:
        raise ValidationError({"name": "Give the agent a name of up to 60 characters (e.g. 'Kitchen PC')."})
    token = "pa_" + secrets.token_urlsafe(32)
    agent = PrintAgent.objects.create(business_id=business_id, name=name, token_hash=_token_hash(token))
    return agent, token


@runs_platform_wide
def print_agent_authenticate(token: str) -> PrintAgent | None:
    """The active agent this device token belongs to, its last contact recorded; None for any other token."""
    if not token or len(token) > 200:
        return None
    agent = PrintAgent.objects.filter(token_hash=_token_hash(token), is_active=True).first()
    if agent is not None:
        PrintAgent.objects.filter(pk=agent.pk).update(last_seen_at=Now())
    return agent


@dataclass(frozen=True)
class ClaimedJob:
    job: PrintJob
    document: bytes


@transaction.atomic
def print_agent_claim(*, agent: PrintAgent, limit: int = 10) -> list[ClaimedJob]:
    """Hand the agent its business's due relay jobs (each to one agent at a time, for AGENT_LEASE)."""
    due = Q(status=PrintJob.Status.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=Now()))
    stale = Q(status=PrintJob.Status.SENDING, claimed_until__lt=Now())
    jobs = list(
        # Two agents of one restaurant never get the same job (SQLite, the embedded default, locks whole).
        PrintJob.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
        )
        .select_related("printer__business")
        .filter(due | stale, business_id=agent.business_id, printer__connection=Printer.Connection.RELAY)
        .order_by("created_at", "pk")[:limit]
    )
    until = timezone.now() + AGENT_LEASE
    for job in jobs:
        job.status, job.attempts, job.claimed_until = PrintJob.Status.SENDING, job.attempts + 1, until
        job.save(update_fields=["status", "attempts", "claimed_until", "updated_at"])
    return [ClaimedJob(job, job_document(job)) for job in jobs]


def print_agent_report(
    *,
    agent: PrintAgent,
    job_id: int,
    attempt: int,
    printed: bool,
    status: str,
    error: str,
    unconfirmed: bool = False,
) -> PrintJob:
    """The agent says how the claim `attempt` of a job went; the same report twice changes nothing.

    A report for another claim than the job's current one (an agent whose lease ran out, the job
    since claimed again) is refused with Conflict: it must not overwrite the newer claim's outcome.
    """
    job = PrintJob.objects.select_related("printer").filter(pk=job_id, business_id=agent.business_id).first()
    if job is None or job.printer.connection != Printer.Connection.RELAY:
        raise NotFound("No such print job.")
    if job.attempts != attempt:
        raise Conflict(
            f"This report is for attempt {attempt}, but the job is at attempt {job.attempts}: "
            "its claim was lost and the job was handed out again.",
            code="print_job_claim_lost",
        )
    if job.status in (PrintJob.Status.PRINTED, PrintJob.Status.FAILED):
        return job  # a repeated report (the answer to the first was lost)
    if job.status != PrintJob.Status.SENDING:
        raise ValidationError({"job": "This job is not claimed; claim it before reporting."})
    if status not in {"ok", "offline", "paper_out"}:
        raise ValidationError({"status": "One of ok, offline, paper_out."})
    if printed:
        delivery = transport.Delivery(True, status)
    elif unconfirmed:
        delivery = transport.Delivery(False, status, error or transport.UNCONFIRMED, unconfirmed=True)
    else:
        delivery = transport.Delivery(False, status, error or "The print agent could not print.")
    _finish(job, delivery, attempt=attempt)
    job.refresh_from_db()
    return job


@transaction.atomic
def print_agent_set_active(*, agent: PrintAgent, active: bool) -> PrintAgent:
    """Revoke (its token stops working at once) or restore a print agent."""
    agent.is_active = active
    agent.save(update_fields=["is_active"])
    return agent
