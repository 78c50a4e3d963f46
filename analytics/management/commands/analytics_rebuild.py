"""Rebuild the hourly call rollups from the call records (all, one business, or from a date on)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from analytics.services import rollups_rebuild, rollups_rebuild_plan
from panbot.tenancy import runs_platform_wide
from restaurants.models import Business


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since must be a date as YYYY-MM-DD, not '{value}'.") from None


class Command(BaseCommand):
    help = (
        "Recompute the hourly call rollups that analytics read, from the call records. Idempotent: run it again "
        "and nothing changes. Needed after a business changes its time zone, or to backfill."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--business", type=int, help="Only this business (id).")
        parser.add_argument(
            "--since", type=_date, help="Only calls from this local date (YYYY-MM-DD) on; older rollups are kept."
        )

    @runs_platform_wide  # an operator's command: every tenant's rows (panbot.tenancy)
    def handle(self, *args: Any, business: int | None, since: date | None, verbosity: int, **options: Any) -> None:
        if business is not None and not Business.objects.filter(pk=business).exists():
            raise CommandError(f"There is no business with id {business}.")
        plan = rollups_rebuild_plan(business_id=business, since=since)
        with tqdm(total=len(plan), unit="batch", disable=verbosity == 0, file=self.stderr) as bar:
            batches = rollups_rebuild(
                business_id=business, since=since, plan=plan, on_batch=lambda batch: bar.update(1)
            )
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Rebuilt rollups in {batches} batches."))
