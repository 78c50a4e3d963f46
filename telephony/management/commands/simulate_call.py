"""Run a whole call in text on the terminal: routing, admission, the agent with its real tools, the end."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from panbot.phone import to_e164
from panbot.tenancy import runs_platform_wide


class Command(BaseCommand):
    help = (
        "Simulate an inbound call without LiveKit. With --script, replay a JSON conversation through a "
        "deterministic scripted model; without it, type the caller's lines and a configured LLM answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="The number dialed (any format people type).")
        parser.add_argument("--from", dest="caller", default=None, help="The caller's number.")
        parser.add_argument("--diversion", default=None, help="A Diversion header, as a forwarded call carries.")
        parser.add_argument("--script", type=Path, default=None, help="A JSON conversation (see scripts/).")

    def handle(self, *args, to: str, caller: str | None, diversion: str | None, script: Path | None, **options):
        from telephony.agent.scripted import ScriptedLLM, ScriptError, turns_from_json
        from telephony.agent.simulate import simulate_call, stdin_lines

        if script is not None:
            try:
                script_caller, turns = turns_from_json(json.loads(script.read_text(encoding="utf-8")))
            except OSError as exc:
                raise CommandError(f"Cannot read the script {script}: {exc.strerror}.") from None
            except ValueError as exc:  # JSON or script shape
                raise CommandError(f"The script {script} is not valid: {exc}") from None
            model, lines = ScriptedLLM.from_turns(turns), [turn.caller for turn in turns]
            caller = caller or script_caller
        else:
            from django.conf import settings

            from telephony.agent.providers import build_llm

            if not settings.LLM_API_KEY:
                raise CommandError("An interactive simulation needs an LLM: set LLM_API_KEY (or pass --script).")
            model, lines = build_llm(), stdin_lines()
        caller = caller or "+393331234567"
        if to_e164(caller) is None:
            raise CommandError(f"--from {caller!r} is not a valid phone number.")

        try:
            summary = asyncio.run(
                simulate_call(
                    to=to, caller=caller, model=model, caller_lines=lines, write=self.stdout.write, diversion=diversion
                )
            )
        except ScriptError as exc:
            raise CommandError(f"The script ran out: {exc}") from None
        self._summary(summary.record)

    # The call itself runs as on the agent worker (each part sets its own scope); the printout
    # reads the call's rows by call, like the rest of the call path (panbot.tenancy).
    @runs_platform_wide
    def _summary(self, record) -> None:
        from orders.models import Order
        from reservations.models import Reservation

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Call record"))
        business = record.business.name if record.business_id else "no business"
        self.stdout.write(f"  {record.dialed_number or '?'} ({business}) from {record.caller_number or 'unknown'}")
        duration = f", {record.duration_seconds:.1f} s" if record.duration_seconds is not None else ""
        self.stdout.write(f"  status {record.status}, reason {record.reason}{duration}")
        for order in Order.objects.filter(call=record).order_by("pk"):
            self.stdout.write(f"  order #{order.ticket_number}: {order.total} {order.currency}, {order.status}")
        for booking in Reservation.objects.filter(call=record).order_by("pk"):
            self.stdout.write(f"  reservation: {booking.party_size} people at {booking.starts_at:%Y-%m-%d %H:%M}")
