"""Calls: routing, admission under concurrency limits, heartbeats, ends and reaping.

- `rules.py`: the services (`call_admit`, `call_end`, `call_heartbeat`, `calls_reap_stale`,
  `call_route`): every decision, the same on every database;
- `backends/`: the three atomic steps (`route`, `take_slot`, `end`) per database, one of
  them chosen once at start-up (`backends.active`): `postgres.py` (locks, one round trip
  each, the database clock) and `sqlite.py` (the embedded default);
- `records.py`: reasons and record completion shared by both; the event payloads are
  `telephony/payloads.py`.
"""

from telephony.services.calls.records import ADMISSION_REASONS, END_REASONS
from telephony.services.calls.rules import (
    REAP_BATCH_SIZE,
    Admission,
    call_admit,
    call_end,
    call_heartbeat,
    call_route,
    calls_reap_stale,
)

__all__ = [
    "ADMISSION_REASONS",
    "END_REASONS",
    "REAP_BATCH_SIZE",
    "Admission",
    "call_admit",
    "call_end",
    "call_heartbeat",
    "call_route",
    "calls_reap_stale",
]
