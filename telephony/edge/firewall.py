"""An nftables ruleset for the SIP host, made from the database: only the PBX trunks and carriers get in.

LiveKit's inbound trunks (`livekit_sync`) already refuse INVITEs from addresses a trunk does not
allow, but LiveKit still parses every packet and answers it. The host firewall drops everything
else before it reaches LiveKit, silently (no ICMP unreachable, no TCP reset), so a scanner learns
nothing and a flood costs LiveKit nothing. The two complement each other: the firewall decides who
may talk SIP to the host at all, LiveKit which of those may reach which numbers.

The ruleset lives in its own table (`inet panbot`) and replaces only that table, atomically, when
loaded with `nft -f`: other rules on the host are never touched. The output is deterministic: the
same trunks and settings give the same bytes (its date is the newest trunk change, not the clock),
so a timer can regenerate it and load it only when it changed.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from telephony.models import PbxTrunk

TABLE = "inet panbot"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Source:
    """One trusted signalling source: a trunk's or a carrier's address block."""

    network: Network
    origin: str  # "trunk <name>" or "carrier setting"


@dataclass(frozen=True)
class EdgePlan:
    """What the ruleset is made from."""

    sources: tuple[Source, ...]
    sip_ports: tuple[int, ...]
    tls_port: int  # 0: TLS off
    rtp_range: tuple[int, int]
    as_of: datetime | None  # the newest trunk change


def plan_from_database(
    *, sip_ports: Sequence[int], tls_port: int, rtp_range: tuple[int, int], carrier_addresses: Iterable[str]
) -> EdgePlan:
    """The active trunks' addresses plus the carriers'; a ValidationError naming any active trunk with none."""
    trunks = list(PbxTrunk.objects.filter(is_active=True).order_by("name"))
    empty = [trunk.name for trunk in trunks if not trunk.allowed_addresses]
    if empty:
        # An empty list must never become "accept all": refuse, and let a person fix the trunk.
        raise ValidationError(
            f"Active PBX trunk(s) without an allowed address: {', '.join(empty)}. "
            "Give each an address or CIDR block, or deactivate it."
        )
    sources = [
        Source(ipaddress.ip_network(address), f"trunk {trunk.name}")
        for trunk in trunks
        for address in trunk.allowed_addresses
    ]
    sources += [Source(ipaddress.ip_network(address), "carrier setting") for address in carrier_addresses]
    changed = PbxTrunk.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    return EdgePlan(
        sources=tuple(sources),
        sip_ports=tuple(sorted(set(sip_ports))),
        tls_port=tls_port,
        rtp_range=rtp_range,
        as_of=changed,
    )


def warnings(plan: EdgePlan) -> list[str]:
    """What an operator should know before loading the ruleset."""
    notes = []
    everyone = [s.origin for s in plan.sources if s.network.prefixlen == 0]
    if everyone:
        names = ", ".join(sorted(set(everyone)))
        notes.append(f"{names} allow(s) every address (/0): anyone may send SIP to this host.")
    if not any(source.origin == "carrier setting" for source in plan.sources):
        notes.append(
            "SIP_CARRIER_ADDRESSES is empty: only the PBX trunks' addresses may send SIP; a carrier's calls "
            "(e.g. Telnyx) are dropped until its signalling ranges are listed there."
        )
    return notes


def _collapsed(sources: Iterable[Source], version: int) -> list[str]:
    """One family's blocks, overlaps merged (nft refuses overlapping interval elements), sorted."""
    networks = [source.network for source in sources if source.network.version == version]
    merged = ipaddress.collapse_addresses(networks)  # type: ignore[type-var]  # one family, checked above
    return [str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net) for net in merged]


def _set(name: str, kind: str, elements: list[str]) -> list[str]:
    lines = [f"\tset {name} {{", f"\t\ttype {kind}", "\t\tflags interval"]
    if elements:  # nft refuses an empty element list; an empty set simply matches nothing
        lines.append(f"\t\telements = {{ {', '.join(elements)} }}")
    lines.append("\t}")
    return lines


def _ports(ports: Sequence[int]) -> str:
    return str(ports[0]) if len(ports) == 1 else "{ " + ", ".join(str(p) for p in ports) + " }"


def render(plan: EdgePlan) -> str:
    """The ruleset as `nft -f` reads it."""
    v4, v6 = _collapsed(plan.sources, 4), _collapsed(plan.sources, 6)
    sip = _ports(plan.sip_ports)
    low, high = plan.rtp_range
    body = [
        f"table {TABLE} {{",
        *_set("sip_sources_v4", "ipv4_addr", v4),
        "",
        *_set("sip_sources_v6", "ipv6_addr", v6),
        "",
        "\tchain sip_edge {",
        # prerouting, after conntrack (-200) and before destination NAT (-100): packets for this host
        # and packets a container runtime would DNAT to LiveKit SIP (Docker's published ports go
        # through forward, not input) are both judged here, by the port the sender addressed.
        "\t\ttype filter hook prerouting priority -150; policy accept;",
        "\t\t# SIP signalling (UDP and TCP): trusted sources only; everything else dropped without a word.",
        f"\t\tmeta l4proto {{ tcp, udp }} th dport {sip} ip saddr @sip_sources_v4 accept",
        f"\t\tmeta l4proto {{ tcp, udp }} th dport {sip} ip6 saddr @sip_sources_v6 accept",
        f"\t\tmeta l4proto {{ tcp, udp }} th dport {sip} drop",
    ]
    if plan.tls_port:
        body += [
            "\t\t# SIP over TLS: the same sources.",
            f"\t\ttcp dport {plan.tls_port} ip saddr @sip_sources_v4 accept",
            f"\t\ttcp dport {plan.tls_port} ip6 saddr @sip_sources_v6 accept",
            f"\t\ttcp dport {plan.tls_port} drop",
        ]
    body += [
        # Media comes from the carriers' and PBXs' media servers, which need not be their
        # signalling addresses; LiveKit only accepts RTP on ports it negotiated in a call.
        "\t\t# RTP media for LiveKit SIP (2 ports a call): never dropped by this table.",
        f"\t\tudp dport {low}-{high} accept",
        "\t}",
        "}",
    ]
    rules = "\n".join(body) + "\n"
    digest = hashlib.sha256(rules.encode()).hexdigest()[:16]
    as_of = plan.as_of.isoformat(timespec="seconds") if plan.as_of else "no trunk yet"
    origins = sorted({source.origin for source in plan.sources})
    header = [
        "#!/usr/sbin/nft -f",
        "# Generated by PanBot `manage.py firewall_rules` from the database; do not edit by hand.",
        f"# Trunks as of {as_of} (their newest change); rules sha256 {digest}.",
        f"# Trusted SIP sources from: {', '.join(origins) if origins else 'none (all SIP is dropped)'}.",
        f"# Load with `nft -f`: it replaces table {TABLE} atomically and touches no other table.",
        # Declaring the table first makes the delete valid on a host where it does not exist yet.
        f"table {TABLE}",
        f"delete table {TABLE}",
    ]
    return "\n".join(header) + "\n\n" + rules
