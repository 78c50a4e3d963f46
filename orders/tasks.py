"""Celery tasks of the orders app (entry points: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from orders.services.alerts import orders_flag_unacknowledged


@shared_task(ignore_result=True)
def flag_unacknowledged_orders() -> int:
    """Announce orders waiting too long for staff (`order.unacknowledged`); scheduled by beat."""
    return len(orders_flag_unacknowledged())
