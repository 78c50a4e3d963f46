"""Run the print agent in a restaurant: claim print jobs from the platform, print them on the LAN, report back."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from printing.agent import PlatformError, PrintAgent


class Command(BaseCommand):
    help = (
        "Run on a machine in the restaurant's network: connects out to the platform with a print agent's device "
        "token (PRINT_AGENT_TOKEN), prints the jobs of relay printers, and reports back. Stops on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="The platform's address, e.g. https://panbot.example.com")
        parser.add_argument("--state-file", default="print-agent-state.json", help="Where printed job ids are kept.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls when idle.")
        parser.add_argument("--once", action="store_true", help="Do one step and exit (for cron or a test).")

    def handle(self, *args: Any, **options: Any) -> None:
        token = os.environ.get("PRINT_AGENT_TOKEN", "").strip()
        if not token:
            raise CommandError("Set PRINT_AGENT_TOKEN to the device token shown when the print agent was added.")
        if not options["url"].startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        agent = PrintAgent(base_url=options["url"], token=token, state_file=Path(options["state_file"]))
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"Print agent polling {options['url']} every {options['interval']:g} s.")
        while not stop.is_set():
            try:
                handled = agent.step()
            except PlatformError as exc:
                if options["once"]:
                    raise CommandError(str(exc)) from None
                self.stderr.write(str(exc))
                handled = 0
            if options["once"]:
                self.stdout.write(f"{handled} job(s) handled.")
                return
            if not handled:
                stop.wait(options["interval"])
