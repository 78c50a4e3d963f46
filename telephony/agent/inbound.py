"""What the agent knows about a new call, read from the SIP participant LiveKit gives it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# LiveKit SIP sets these on the caller's participant.
ATTR_CALLED = "sip.trunkPhoneNumber"
ATTR_CALLER = "sip.phoneNumber"
ATTR_CALL_ID = "sip.callID"
ATTR_TRUNK_ID = "sip.trunkID"
# livekit_sync maps the Diversion header to this attribute on every inbound trunk; a trunk
# configured by hand with include_headers=SIP_ALL_HEADERS exposes it as sip.h.diversion.
ATTR_DIVERSION = "panbot.diversion"
DIVERSION_ATTRIBUTES = (ATTR_DIVERSION, "sip.h.diversion")


@dataclass(frozen=True)
class InboundCall:
    """One inbound call as the agent sees it, before routing and admission."""

    called: str
    caller: str
    sip_call_id: str
    room_name: str
    participant_identity: str
    diversion: str | None = None
    trunk_id: str = ""


def inbound_call_from_attributes(
    attributes: Mapping[str, str], *, room_name: str, participant_identity: str, job_metadata: str = ""
) -> InboundCall:
    """Build the InboundCall; job metadata (JSON) may supply `called`/`diversion` missing from the attributes."""
    metadata = _metadata(job_metadata)
    diversion = next((attributes[key] for key in DIVERSION_ATTRIBUTES if attributes.get(key)), None)
    return InboundCall(
        called=attributes.get(ATTR_CALLED) or str(metadata.get("called", "")),
        caller=attributes.get(ATTR_CALLER, ""),
        # A call without LiveKit's call id (a test room, a misconfigured bridge) still needs a
        # stable key so a re-dispatched job finds its own admission: the room is one call.
        sip_call_id=attributes.get(ATTR_CALL_ID) or f"room:{room_name}",
        room_name=room_name,
        participant_identity=participant_identity,
        diversion=diversion or (str(metadata["diversion"]) if metadata.get("diversion") else None),
        trunk_id=attributes.get(ATTR_TRUNK_ID, ""),
    )


def _metadata(raw: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        logger.warning("ignoring job metadata that is not JSON: %.80r", raw)
        return {}
    return value if isinstance(value, dict) else {}
