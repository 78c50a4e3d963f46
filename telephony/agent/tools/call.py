"""Tools about the call itself: reaching staff and hanging up."""

from __future__ import annotations

import logging

from livekit.agents import RunContext, ToolError, function_tool

from telephony.agent.control import TransferFailed
from telephony.models import CallRecord

logger = logging.getLogger(__name__)


@function_tool
async def transfer_to_staff(context: RunContext, reason: str = "") -> str:
    """Transfer the caller to a member of staff, when they ask for a person or you cannot help.

    Args:
        reason: why the caller needs staff, in a few words.
    """
    call = context.userdata
    if not call.transfer_number:
        raise ToolError("Nobody can take a transferred call at the moment; offer to help or take a message instead.")
    await context.wait_for_playout()
    try:
        await call.runner.transfer_to_staff(call.transfer_number)
    except TransferFailed as exc:
        logger.warning("transfer to %s failed: %s", call.transfer_number, exc)
        raise ToolError(
            "The transfer did not go through: staff are busy. Offer to help or to take a message."
        ) from None
    return "Transferring the caller now."


@function_tool
async def end_call(context: RunContext) -> None:
    """Hang up, after you have said goodbye and the caller has nothing more to ask."""
    await context.wait_for_playout()
    context.userdata.runner.request_end(CallRecord.Reason.AGENT_HANGUP)
