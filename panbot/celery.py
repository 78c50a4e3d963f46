"""Celery application; configuration comes from Django settings (CELERY_*)."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panbot.settings.base")

app = Celery("panbot", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_shutdown.connect
def _flush_event_pushes(**kwargs: Any) -> None:
    # Prefork children leave with os._exit, which skips atexit: hand over the last events first.
    from panbot.events import flush_pushes

    flush_pushes()
