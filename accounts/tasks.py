"""Celery tasks of the accounts app (entry points: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from accounts import services


@shared_task(ignore_result=True)
def flush_expired_tokens() -> int:
    """Keep the refresh-token table to live tokens; scheduled by beat once a day."""
    return services.tokens_flush_expired()
