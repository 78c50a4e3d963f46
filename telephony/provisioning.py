"""Make LiveKit's SIP configuration match the database (`manage.py livekit_sync`).

Every active PBX trunk with allowed source addresses and at least one assigned, active
number becomes one LiveKit inbound trunk: only those numbers, only those addresses, and
the Diversion header copied into a participant attribute. One dispatch rule sends every
call on those trunks to a room of its own (`call-` prefix) and dispatches the agent by
name. LiveKit objects PanBot created carry `{"panbot": ...}` metadata; anything else in
LiveKit is left alone. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from livekit import api

from telephony import services
from telephony.agent.inbound import ATTR_DIVERSION
from telephony.models import PbxTrunk, SipNumber

DISPATCH_RULE_NAME = "panbot-inbound"
ROOM_PREFIX = "call-"
HEADERS_TO_ATTRIBUTES = {"Diversion": ATTR_DIVERSION}


@dataclass(frozen=True)
class DesiredTrunk:
    """What one PBX trunk should look like in LiveKit."""

    pbx_trunk_id: int
    name: str
    numbers: tuple[str, ...]
    allowed_addresses: tuple[str, ...]
    livekit_trunk_id: str

    @property
    def metadata(self) -> str:
        return json.dumps({"panbot": {"pbx_trunk_id": self.pbx_trunk_id}}, sort_keys=True)

    def info(self) -> api.SIPInboundTrunkInfo:
        return api.SIPInboundTrunkInfo(
            name=self.name,
            metadata=self.metadata,
            numbers=list(self.numbers),
            allowed_addresses=list(self.allowed_addresses),
            headers_to_attributes=HEADERS_TO_ATTRIBUTES,
        )


@dataclass
class Change:
    """One thing livekit_sync does (or, with --dry-run, would do)."""

    description: str
    apply: Callable[[api.LiveKitAPI], Awaitable[None]]


@dataclass
class SyncReport:
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # LiveKit trunk ids to record on PBX trunks (pbx_trunk_id -> id), and ids to forget.
    links: dict[int, str] = field(default_factory=dict)
    unlinks: list[str] = field(default_factory=list)


def record_links(report: SyncReport) -> None:
    """Write what LiveKit assigned back to the database (run after a non-dry sync)."""
    for pbx_trunk_id, livekit_trunk_id in report.links.items():
        services.trunk_link_livekit(trunk_id=pbx_trunk_id, livekit_trunk_id=livekit_trunk_id)
    for livekit_trunk_id in report.unlinks:
        services.trunk_unlink_livekit(livekit_trunk_id=livekit_trunk_id)


def desired_trunks() -> tuple[list[DesiredTrunk], list[str]]:
    """The trunks LiveKit should have, and why some PBX trunks are left out."""
    live_numbers = SipNumber.objects.filter(is_active=True, business__isnull=False).order_by("number")
    trunks = PbxTrunk.objects.filter(is_active=True).prefetch_related(Prefetch("numbers", queryset=live_numbers))
    desired, warnings = [], []
    for trunk in trunks:
        numbers = tuple(n.number for n in trunk.numbers.all())
        if not trunk.allowed_addresses:
            # An inbound trunk without an address list accepts INVITEs from anyone on the internet.
            warnings.append(f"Skipped trunk '{trunk.name}': it has no allowed source addresses.")
        elif not numbers:
            # An inbound trunk without numbers accepts calls to any number.
            warnings.append(f"Skipped trunk '{trunk.name}': it has no assigned, active numbers.")
        else:
            desired.append(
                DesiredTrunk(
                    trunk.pk, trunk.name, numbers, tuple(sorted(trunk.allowed_addresses)), trunk.livekit_trunk_id
                )
            )
    return desired, warnings


def _panbot_metadata(raw: str) -> Any:
    """The `panbot` entry of a LiveKit object's metadata ({} for objects PanBot did not create)."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return data.get("panbot") or {}


def _pbx_trunk_id(trunk: api.SIPInboundTrunkInfo) -> int | None:
    meta = _panbot_metadata(trunk.metadata)
    return meta.get("pbx_trunk_id") if isinstance(meta, dict) else None


def _same_trunk(current: api.SIPInboundTrunkInfo, want: DesiredTrunk) -> bool:
    return (
        current.name == want.name
        and sorted(current.numbers) == sorted(want.numbers)
        and sorted(current.allowed_addresses) == sorted(want.allowed_addresses)
        and dict(current.headers_to_attributes) == HEADERS_TO_ATTRIBUTES
        and _pbx_trunk_id(current) == want.pbx_trunk_id
    )


def desired_rule(trunk_ids: list[str]) -> api.SIPDispatchRuleInfo:
    return api.SIPDispatchRuleInfo(
        name=DISPATCH_RULE_NAME,
        metadata=json.dumps({"panbot": "dispatch"}),
        trunk_ids=sorted(trunk_ids),
        rule=api.SIPDispatchRule(dispatch_rule_individual=api.SIPDispatchRuleIndividual(room_prefix=ROOM_PREFIX)),
        room_config=api.RoomConfiguration(agents=[api.RoomAgentDispatch(agent_name=settings.AGENT_NAME)]),
    )


def _same_rule(current: api.SIPDispatchRuleInfo, want: api.SIPDispatchRuleInfo) -> bool:
    return (
        sorted(current.trunk_ids) == sorted(want.trunk_ids)
        and current.rule.WhichOneof("rule") == "dispatch_rule_individual"
        and current.rule.dispatch_rule_individual.room_prefix == ROOM_PREFIX
        and [a.agent_name for a in current.room_config.agents] == [settings.AGENT_NAME]
        and current.name == want.name
    )


async def sync(
    lk: api.LiveKitAPI, desired: list[DesiredTrunk], *, warnings: list[str] | None = None, dry_run: bool = False
) -> SyncReport:
    """Compare LiveKit with `desired` (from `desired_trunks()`) and apply the differences unless `dry_run`.

    Touches only LiveKit; `record_links(report)` writes the resulting ids to the database.
    """
    report = SyncReport(warnings=list(warnings or []))
    existing = (await lk.sip.list_inbound_trunk(api.ListSIPInboundTrunkRequest())).items
    managed = {t.sip_trunk_id: t for t in existing if _pbx_trunk_id(t)}

    trunk_ids: list[str] = []
    wanted_ids: set[str] = set()
    for want in desired:
        current = next((t for t in managed.values() if _pbx_trunk_id(t) == want.pbx_trunk_id), None)
        if current is None:
            placeholder = f"(new trunk for {want.name})"
            trunk_ids.append(placeholder)
            report.changes.append(_create_trunk(want, trunk_ids, placeholder, report))
            continue
        wanted_ids.add(current.sip_trunk_id)
        trunk_ids.append(current.sip_trunk_id)
        if not _same_trunk(current, want):
            report.changes.append(
                Change(
                    f"update inbound trunk {current.sip_trunk_id} '{want.name}': numbers {', '.join(want.numbers)}; "
                    f"addresses {', '.join(want.allowed_addresses)}",
                    lambda lk, tid=current.sip_trunk_id, w=want: lk.sip.update_inbound_trunk(tid, w.info()),
                )
            )
        if want.livekit_trunk_id != current.sip_trunk_id:
            report.links[want.pbx_trunk_id] = current.sip_trunk_id
    # Deletions go first: a number moving from a removed trunk to a new one must be free in
    # LiveKit before the new trunk claims it.
    deletions = [
        Change(
            f"delete inbound trunk {trunk_id} '{trunk.name}' (no longer configured in PanBot)",
            lambda lk, tid=trunk_id: _delete_trunk(lk, tid, report),
        )
        for trunk_id, trunk in managed.items()
        if trunk_id not in wanted_ids
    ]
    report.changes[:0] = deletions

    if not dry_run:
        for change in report.changes:
            await change.apply(lk)
    report.changes.extend(await _rule_changes(lk, trunk_ids, dry_run=dry_run))
    return report


def _create_trunk(want: DesiredTrunk, trunk_ids: list[str], placeholder: str, report: SyncReport) -> Change:
    async def apply(lk: api.LiveKitAPI) -> None:
        created = await lk.sip.create_inbound_trunk(api.CreateSIPInboundTrunkRequest(trunk=want.info()))
        trunk_ids[trunk_ids.index(placeholder)] = created.sip_trunk_id
        report.links[want.pbx_trunk_id] = created.sip_trunk_id

    return Change(
        f"create inbound trunk '{want.name}': numbers {', '.join(want.numbers)}; "
        f"addresses {', '.join(want.allowed_addresses)}",
        apply,
    )


async def _delete_trunk(lk: api.LiveKitAPI, trunk_id: str, report: SyncReport) -> None:
    await lk.sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id))
    report.unlinks.append(trunk_id)


async def _rule_changes(lk: api.LiveKitAPI, trunk_ids: list[str], *, dry_run: bool) -> list[Change]:
    rules = (await lk.sip.list_dispatch_rule(api.ListSIPDispatchRuleRequest())).items
    ours = [r for r in rules if _panbot_metadata(r.metadata) == "dispatch" or r.name == DISPATCH_RULE_NAME]
    changes: list[Change] = []
    if not trunk_ids:
        # A dispatch rule without trunks would catch calls on every trunk of the project.
        for rule in ours:
            changes.append(
                Change(
                    f"delete dispatch rule {rule.sip_dispatch_rule_id} (no trunks to dispatch)",
                    lambda lk, rid=rule.sip_dispatch_rule_id: lk.sip.delete_dispatch_rule(
                        api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rid)
                    ),
                )
            )
    else:
        want = desired_rule(trunk_ids)
        target = f"rooms '{ROOM_PREFIX}*', agent '{settings.AGENT_NAME}', trunks {', '.join(want.trunk_ids)}"
        if not ours:
            changes.append(
                Change(
                    f"create dispatch rule '{DISPATCH_RULE_NAME}': {target}",
                    lambda lk: lk.sip.create_dispatch_rule(api.CreateSIPDispatchRuleRequest(dispatch_rule=want)),
                )
            )
        else:
            keep, *extra = ours
            if not _same_rule(keep, want):
                changes.append(
                    Change(
                        f"update dispatch rule {keep.sip_dispatch_rule_id}: {target}",
                        lambda lk, rid=keep.sip_dispatch_rule_id: lk.sip.update_dispatch_rule(rid, want),
                    )
                )
            for rule in extra:
                changes.append(
                    Change(
                        f"delete duplicate dispatch rule {rule.sip_dispatch_rule_id}",
                        lambda lk, rid=rule.sip_dispatch_rule_id: lk.sip.delete_dispatch_rule(
                            api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rid)
                        ),
                    )
                )
    if not dry_run:
        for change in changes:
            await change.apply(lk)
    return changes
