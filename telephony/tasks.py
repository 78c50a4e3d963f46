"""Celery tasks of the telephony app (entry points: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from telephony import services


@shared_task(ignore_result=True)
def reap_stale_calls() -> int:
    """Free the slots of calls whose agent stopped heartbeating; scheduled by beat every few seconds."""
    return services.calls_reap_stale()
