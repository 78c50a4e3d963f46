"""Kitchen printers, the print jobs sent to them, and the print agents that reach printers in a restaurant's LAN."""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from panbot.models import StorableText
from panbot.tenancy import tenant_manager

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


def validate_printer_host(value: str) -> None:
    """A host name or an IP address a printer can have; never a metadata, multicast or unspecified address."""
    text = (value or "").strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if not _HOSTNAME.match(text) or text.replace(".", "").isdigit():
            raise ValidationError(
                f"'{text}' is not a host name or IP address (e.g. 192.168.1.50 or kitchen-printer.local).",
                code="invalid_host",
            ) from None
        return
    if address.is_unspecified or address.is_multicast or address.is_link_local or address.is_reserved:
        # Link-local covers 169.254.169.254, a cloud's metadata service: never a printer.
        raise ValidationError(f"{text} cannot be a printer's address.", code="invalid_host")
    if address.is_loopback and not settings.PRINTER_ALLOW_LOOPBACK:
        raise ValidationError(
            f"{text} is this server itself, not a printer. A printer in the restaurant's network is reached "
            "through a print agent (connection: relay).",
            code="invalid_host",
        )


def printer_port_allowed(port: int) -> bool:
    """Whether settings.PRINTER_ALLOWED_PORTS lets a printer have this port."""
    return any(first <= port <= last for first, last in settings.PRINTER_ALLOWED_PORTS)


def allowed_ports_text() -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in settings.PRINTER_ALLOWED_PORTS)


class Printer(StorableText):
    """A network ticket printer of one business (ESC/POS over TCP or IPP), reached directly or through a print agent."""

    objects: models.Manager[Printer] = tenant_manager()

    class Protocol(models.TextChoices):
        ESCPOS = "escpos", "ESC/POS over TCP (port 9100)"
        IPP = "ipp", "IPP (port 631)"

    class Connection(models.TextChoices):
        DIRECT = "direct", "Direct from the platform"
        RELAY = "relay", "Through a print agent in the restaurant"

    class Tickets(models.TextChoices):
        KITCHEN = "kitchen", "Kitchen tickets"
        RECEIPT = "receipt", "Receipts"
        BOTH = "both", "Kitchen tickets and receipts"

    class CodePage(models.TextChoices):
        # What ESC/POS printers call them; CP858 is CP850 with the euro sign.
        CP858 = "CP858", "CP858 (Western Europe, with €)"
        CP850 = "CP850", "CP850 (Western Europe)"
        CP437 = "CP437", "CP437 (USA)"
        CP1252 = "CP1252", "Windows-1252"

    class Status(models.TextChoices):
        UNKNOWN = "unknown", "Not used yet"
        OK = "ok", "OK"
        OFFLINE = "offline", "Offline"
        PAPER_OUT = "paper_out", "Out of paper"

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="printers")
    name = models.CharField(max_length=60)
    host = models.CharField(max_length=253, validators=[validate_printer_host])
    port = models.PositiveIntegerField(default=9100, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.ESCPOS)
    connection = models.CharField(max_length=8, choices=Connection.choices, default=Connection.DIRECT)
    paper_width_mm = models.PositiveSmallIntegerField(choices=[(58, "58 mm"), (80, "80 mm")], default=80)
    code_page = models.CharField(max_length=8, choices=CodePage.choices, default=CodePage.CP858)
    tickets = models.CharField(max_length=8, choices=Tickets.choices, default=Tickets.KITCHEN)
    auto_print = models.BooleanField(default=True, help_text="Print each new order's tickets without anyone asking.")
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNKNOWN, editable=False)
    status_detail = models.CharField(max_length=300, blank=True, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="printer_name_unique_per_business"),
            models.CheckConstraint(condition=models.Q(paper_width_mm__in=[58, 80]), name="printer_paper_width"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if isinstance(self.port, int) and 1 <= self.port <= 65535 and not printer_port_allowed(self.port):
            raise ValidationError(
                {"port": f"A printer's port must be one of {allowed_ports_text()} (9100 for ESC/POS, 631 for IPP)."}
            )

    def prints(self, kind: str) -> bool:
        return self.tickets in (kind, self.Tickets.BOTH)


class PrintJob(models.Model):
    """One ticket for one printer: queued, sent (with retries) and printed or failed, at most once unless reprinted."""

    objects: models.Manager[PrintJob] = tenant_manager()

    class Kind(models.TextChoices):
        KITCHEN = "kitchen", "Kitchen ticket"
        RECEIPT = "receipt", "Receipt"
        TEST = "test", "Test page"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        PRINTED = "printed", "Printed"
        FAILED = "failed", "Failed"

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="+")
    printer = models.ForeignKey(Printer, on_delete=models.CASCADE, related_name="jobs")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="print_jobs"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # None: printed by itself for a new order (at most one per printer, order and kind); a person
    # asking (a reprint, a test page) makes a job of their own each time.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="The next attempt's earliest time (backoff).")
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A sender's lease on the job.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["printer", "order", "kind"],
                condition=models.Q(requested_by__isnull=True, order__isnull=False),
                name="printjob_one_automatic_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="test") | models.Q(order__isnull=False), name="printjob_ticket_has_order"
            ),
        ]
        indexes = [models.Index(fields=["printer", "status"], name="printjob_printer_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class PrintAgent(models.Model):
    """A print agent in a restaurant's LAN (`manage.py print_agent`), known by the hash of its device token."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="print_agents")
    name = models.CharField(max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[PrintAgent] = tenant_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
