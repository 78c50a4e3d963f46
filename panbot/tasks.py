"""Celery tasks of the platform (entry points: each calls one service)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from panbot.events import events_prune


@shared_task(ignore_result=True)
def prune_events() -> int:
    """Keep EVENT_RETENTION_HOURS of feed events; scheduled by beat every hour."""
    return events_prune(older_than_hours=settings.EVENT_RETENTION_HOURS)
