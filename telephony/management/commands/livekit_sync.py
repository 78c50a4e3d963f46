"""Make LiveKit's SIP trunks and dispatch rule match the database."""

from __future__ import annotations

import asyncio

import aiohttp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from livekit import api

from panbot.tenancy import runs_platform_wide
from telephony import provisioning
from telephony.edge.capacity import platform_capacity


class Command(BaseCommand):
    help = (
        "Create or update one LiveKit inbound trunk per PBX trunk (its assigned active numbers and allowed "
        "addresses) and the dispatch rule that sends each call to its own room and to the agent. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")

    @runs_platform_wide  # an operator's command: every tenant's rows (panbot.tenancy)
    def handle(self, *args, dry_run: bool = False, **options):
        if not settings.LIVEKIT_URL:
            raise CommandError("LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set to reach LiveKit.")
        desired, warnings = provisioning.desired_trunks()
        try:
            report = asyncio.run(self._sync(desired, warnings, dry_run))
        except api.TwirpError as exc:
            raise CommandError(f"LiveKit refused the request: {exc.code} (HTTP {exc.status}): {exc.message}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CommandError(f"Could not reach LiveKit at {settings.LIVEKIT_URL}: {exc}") from None

        if not dry_run:
            provisioning.record_links(report)
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        capacity = platform_capacity()
        style = {"ok": self.style.SUCCESS, "warning": self.style.WARNING, "error": self.style.ERROR}[capacity.level]
        self.stdout.write(style(capacity.sentence()))
        if not report.changes:
            self.stdout.write("LiveKit already matches the database; nothing to change.")
            return
        verb = "Would" if dry_run else "Did"
        for change in report.changes:
            self.stdout.write(f"{verb} {change.description}")
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {len(report.changes)} change(s) not applied."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{len(report.changes)} change(s) applied."))

    async def _sync(self, desired, warnings, dry_run: bool) -> provisioning.SyncReport:
        async with api.LiveKitAPI(settings.LIVEKIT_URL, settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET) as lk:
            return await provisioning.sync(lk, desired, warnings=warnings, dry_run=dry_run)
