from __future__ import annotations

import logging
import os
import sys

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("panbot")

EMBEDDED_DEFAULT_NOTICE = (
    "Running on the embedded development default (no DATABASE_URL): SQLite at %s, DEBUG on, a development "
    "SECRET_KEY, in-process channel layer and Celery. Not for production: set DATABASE_URL, SECRET_KEY and "
    "ALLOWED_HOSTS there."
)


class PanbotConfig(AppConfig):
    name = "panbot"
    verbose_name = "Platform"

    def ready(self) -> None:
        if settings.EMBEDDED_DEFAULT and not _runserver_reloader_parent():
            logger.warning(EMBEDDED_DEFAULT_NOTICE, settings.DATABASES["default"]["NAME"])


def _runserver_reloader_parent() -> bool:
    """The watching process of `runserver` with autoreload: its child (RUN_MAIN) says the line, once."""
    return sys.argv[1:2] == ["runserver"] and "--noreload" not in sys.argv and os.environ.get("RUN_MAIN") != "true"
