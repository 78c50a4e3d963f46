"""What the rules and both backends share: the reasons, how a record is completed, rows as model instances."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, models

from panbot.events import emit
from telephony.models import CallRecord
from telephony.payloads import call_ended_payload

Reason = CallRecord.Reason
Status = CallRecord.Status

# Outcomes of an admission; every other reason says how an admitted call ended.
ADMISSION_REASONS = frozenset(
    {
        Reason.ADMITTED,
        Reason.UNKNOWN_NUMBER,
        Reason.NUMBER_UNASSIGNED,
        Reason.NUMBER_INACTIVE,
        Reason.BUSINESS_INACTIVE,
        Reason.NUMBER_BUSY,
        Reason.BUSINESS_BUSY,
    }
)
END_REASONS = frozenset(Reason) - ADMISSION_REASONS

M = TypeVar("M", bound=models.Model)


def ended_status(reason: str) -> str:
    """The status a call ending with `reason` gets: failed for an error, else completed."""
    return Status.FAILED if reason == Reason.ERROR else Status.COMPLETED


def complete(record: CallRecord, *, reason: str, ended_at: datetime) -> None:
    """Set `record`'s ending (not saved). An end before the start (a clock stepped back) is the start."""
    ended_at = max(ended_at, record.started_at)
    record.status = ended_status(reason)
    record.reason = reason
    record.ended_at = ended_at
    record.duration_seconds = (ended_at - record.started_at).total_seconds()


def emit_ended(record: CallRecord) -> None:
    """Write `call.ended` for `record` (pushed on commit); calls of no business have no feed to tell."""
    if record.business_id is not None:
        emit(record.business_id, "call.ended", call_ended_payload(record))


def loaded(model: type[M], **values: Any) -> M:
    """An instance of `model` for a row written with raw SQL, as if the ORM had loaded it."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])
