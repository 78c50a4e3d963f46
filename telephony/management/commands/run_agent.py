"""Run the LiveKit Agents worker that answers calls (`dev` or `start`, like LiveKit's own CLI)."""

from __future__ import annotations

import os
import socket
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Start the voice-agent worker: it registers with LiveKit under AGENT_NAME and answers dispatched calls. "
        "`start` for production (SIGTERM drains calls in progress), `dev` for development."
    )

    def add_arguments(self, parser):
        parser.add_argument("mode", nargs="?", choices=["start", "dev"], default="start")
        parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    def handle(self, *args, mode: str = "start", log_level: str = "INFO", **options):
        from telephony.agent.providers import settings_problems

        problems = settings_problems()
        if problems:
            raise CommandError("The agent worker cannot start:\n  - " + "\n  - ".join(problems))

        from livekit.agents import cli

        from telephony.agent import worker

        # Job processes inherit this: calls are admitted under the worker that runs them.
        os.environ[worker.WORKER_ID_ENV] = f"{socket.gethostname()}:{os.getpid()}"
        # LiveKit's CLI reads its own argv; it installs SIGTERM/SIGINT handlers (drain in `start`).
        saved, sys.argv = sys.argv, ["run_agent", mode, "--log-level", log_level]
        try:
            cli.run_app(worker.build_server())
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise CommandError(f"the agent worker stopped with exit code {exit_.code}") from None
        finally:
            sys.argv = saved
