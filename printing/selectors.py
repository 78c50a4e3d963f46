"""Printing's reads."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Exists, OuterRef, QuerySet

from orders.models import Order
from panbot.errors import NotFound
from printing.models import PrintAgent, Printer, PrintJob


def business_printers(business_id: int) -> QuerySet[Printer]:
    return Printer.objects.filter(business_id=business_id)


def business_printers_down(business_id: int) -> QuerySet[Printer]:
    """The business's active printers that said they cannot print (offline, out of paper)."""
    down = (Printer.Status.OFFLINE, Printer.Status.PAPER_OUT)
    return business_printers(business_id).filter(is_active=True, status__in=down)


def business_print_agents(business_id: int) -> QuerySet[PrintAgent]:
    return PrintAgent.objects.filter(business_id=business_id)


def order_exists(business_id: int, order_id: int) -> None:
    """NotFound unless the order is this business's."""
    if not Order.objects.filter(business_id=business_id, pk=order_id).exists():
        raise NotFound("No such order.")


def order_print_jobs(business_id: int, order_id: int) -> QuerySet[PrintJob]:
    return PrintJob.objects.filter(business_id=business_id, order_id=order_id).select_related("printer")


def orders_failed_tickets(business_id: int, order_ids: Collection[int]) -> QuerySet[PrintJob]:
    """The kitchen tickets of these orders whose latest job on a printer failed (nothing newer there since)."""
    newer = PrintJob.objects.filter(
        order_id=OuterRef("order_id"),
        printer_id=OuterRef("printer_id"),
        kind=PrintJob.Kind.KITCHEN,
        pk__gt=OuterRef("pk"),
    )
    return (
        PrintJob.objects.filter(
            business_id=business_id,
            order_id__in=list(order_ids),
            kind=PrintJob.Kind.KITCHEN,
            status=PrintJob.Status.FAILED,
        )
        .exclude(Exists(newer))
        .select_related("printer")
        .order_by("order_id", "pk")
    )
