"""Write (and optionally check or load) the SIP host's nftables ruleset from the PBX trunks."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from telephony.edge import firewall


def _ports(raw: str) -> list[int]:
    try:
        ports = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--sip-port {raw!r}: give port numbers separated by commas, e.g. 5060,15060.") from None
    if not ports or not all(1 <= port <= 65535 for port in ports):
        raise CommandError(f"--sip-port {raw!r}: ports are 1-65535.")
    return ports


def _range(raw: str) -> tuple[int, int]:
    low, sep, high = raw.partition("-")
    try:
        first, last = int(low), int(high)
    except ValueError:
        first = last = -1
    if not sep or not 1 <= first <= last <= 65535:
        raise CommandError(f"--rtp-range {raw!r}: give the first and last port, e.g. 10000-12000.")
    return first, last


class Command(BaseCommand):
    help = (
        "Print the nftables ruleset (table inet panbot) that lets SIP in only from the active PBX trunks' "
        "addresses and SIP_CARRIER_ADDRESSES, drops the rest silently and opens the RTP range. "
        "--check validates it with `nft -c`; --apply loads it (atomically) and is the only flag that changes the host."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sip-port", help="SIP ports, comma-separated (default: SIP_PORTS).")
        parser.add_argument("--tls-port", type=int, help="SIP over TLS port, 0 for none (default: SIP_TLS_PORT).")
        parser.add_argument("--rtp-range", help="RTP port range, e.g. 10000-12000 (default: RTP_PORT_RANGE).")
        parser.add_argument("--output", help="Write the ruleset to this file instead of standard output.")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--check", action="store_true", help="Validate the ruleset with `nft -c -f`.")
        action.add_argument("--apply", action="store_true", help="Load the ruleset with `nft -f` (changes the host).")

    def handle(self, *args: object, **options: object) -> None:
        sip_ports = _ports(str(options["sip_port"])) if options["sip_port"] else list(settings.SIP_PORTS)
        tls_port = options["tls_port"] if options["tls_port"] is not None else settings.SIP_TLS_PORT
        if not isinstance(tls_port, int) or not 0 <= tls_port <= 65535:
            raise CommandError("--tls-port: a port number, or 0 for no TLS.")
        rtp_range = _range(str(options["rtp_range"])) if options["rtp_range"] else tuple(settings.RTP_PORT_RANGE)
        try:
            plan = firewall.plan_from_database(
                sip_ports=sip_ports,
                tls_port=tls_port,
                rtp_range=(rtp_range[0], rtp_range[1]),
                carrier_addresses=settings.SIP_CARRIER_ADDRESSES,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        rules = firewall.render(plan)
        if not plan.sources:
            self.stderr.write(self.style.WARNING("No active trunk or carrier address: every SIP packet is dropped."))
        for note in firewall.warnings(plan):
            self.stderr.write(self.style.WARNING(note))

        output = options["output"]
        if output:
            _write_atomically(Path(str(output)), rules)
        elif not (options["check"] or options["apply"]):
            self.stdout.write(rules, ending="")
        if options["check"]:
            _nft(["-c", "-f", "-"], rules)
            self.stderr.write(self.style.SUCCESS("nft -c: the ruleset is valid."))
        if options["apply"]:
            _nft(["-f", "-"], rules)
            self.stderr.write(self.style.SUCCESS(f"Loaded table {firewall.TABLE}."))


def _write_atomically(path: Path, text: str) -> None:
    # A timer reading the file (or nft loading it) never sees half a ruleset.
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _nft(arguments: list[str], rules: str) -> None:
    nft = shutil.which("nft") or shutil.which("nft", path="/usr/sbin:/sbin")
    if nft is None:
        raise CommandError("nft is not installed (Debian: apt-get install nftables).")
    result = subprocess.run([nft, *arguments], input=rules, text=True, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"nft refused the ruleset:\n{result.stderr.strip()}")
