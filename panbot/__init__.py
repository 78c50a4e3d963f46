"""PanBot project package: settings, entry points and shared helpers (imports no app)."""

from panbot.celery import app as celery_app

__all__ = ["celery_app"]
