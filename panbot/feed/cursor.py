"""Feed cursors: exactly which events a client has, safe against commits that overtake each other.

Event ids are taken at insert, not at commit: transaction A may insert id 184, transaction B
insert 185 and commit, and A commit afterwards. A cursor "last id seen = 185" would then skip
184 forever. So a cursor does not name an id; it names a PostgreSQL snapshot
(`pg_current_snapshot()`: xmin, xmax and the transactions in progress) taken in the same
REPEATABLE READ transaction that read the client's snapshot or catch-up, plus the ids the client
received live since then. Every Event row records the transaction that inserted it (`xid`, a
database default, so raw-SQL inserts have it too), and

    the client has event e  <=>  e.xid is visible in the cursor's snapshot
                                 or e.id is one of the cursor's delivered ids
                                 or (e.xid is visible in the batch snapshot and e.id <= batch id)

The first clause covers everything committed before the read (A's 184 is *not* visible while A
runs, whatever its id); the second, events pushed live afterwards; the third, a catch-up batch
cut short after event `batch id` (its events are sent in id order). Catching up is then
"committed events the cursor does not cover", read from the table: nothing twice, nothing
skipped, whatever the commit order. Rows with `xid < xmin` are all covered, so the read uses
the (business, xid) index from the cursor's xmin on.

On SQLite (the embedded default) writers are serialised (BEGIN IMMEDIATE), ids do commit in
order, and the "snapshot" is simply "ids up to the last committed one" (xmin = xmax = max id + 1).

A cursor is opaque to clients: URL-safe base64 of a small JSON document. It also records when it
was taken, so a cursor older than the retention window (events pruned) gets a fresh snapshot.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from typing import Any

# Far more than any real cursor (a snapshot with a few hundred transactions in progress).
MAX_CURSOR_CHARS = 16 * 1024


class BadCursor(ValueError):
    """A cursor that cannot be read: the client gets a fresh snapshot."""


@dataclasses.dataclass(frozen=True)
class Horizon:
    """A set of committed transactions: a `pg_snapshot` (or, on SQLite, "ids below xmin")."""

    xmin: int
    xmax: int
    xip: frozenset[int] = frozenset()

    def sees(self, key: int | None) -> bool:
        """Whether a transaction (or, on SQLite, an id) had committed in this snapshot. None: older than xids."""
        if key is None:
            return True
        return key < self.xmin or (key < self.xmax and key not in self.xip)

    @classmethod
    def parse(cls, text: str) -> Horizon:
        """From PostgreSQL's text form of a pg_snapshot, `xmin:xmax:xip1,xip2`."""
        try:
            xmin, xmax, xip = text.split(":")
            horizon = cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))
        except ValueError:
            raise BadCursor("not a snapshot") from None
        if not (0 <= horizon.xmin <= horizon.xmax) or any(not horizon.xmin <= x < horizon.xmax for x in horizon.xip):
            raise BadCursor("not a snapshot")
        return horizon

    def text(self) -> str:
        return f"{self.xmin}:{self.xmax}:{','.join(str(x) for x in sorted(self.xip))}"


@dataclasses.dataclass(frozen=True)
class Cursor:
    """What a client has: events committed in `horizon`, plus `delivered` ids, plus a cut-short batch."""

    horizon: Horizon
    taken_at: float  # seconds since the epoch, when `horizon` was read
    delivered: frozenset[int] = frozenset()
    batch_horizon: Horizon | None = None
    batch_last_id: int = 0

    def covers(self, key: int | None, event_id: int) -> bool:
        if self.horizon.sees(key) or event_id in self.delivered:
            return True
        return self.batch_horizon is not None and event_id <= self.batch_last_id and self.batch_horizon.sees(key)

    def with_delivered(self, event_id: int) -> Cursor:
        return dataclasses.replace(self, delivered=self.delivered | {event_id})

    def in_batch(self, batch_horizon: Horizon, last_id: int) -> Cursor:
        """This cursor plus the events of a catch-up read at `batch_horizon` up to `last_id`."""
        return dataclasses.replace(self, batch_horizon=batch_horizon, batch_last_id=last_id)

    def encode(self) -> str:
        document: dict[str, Any] = {"v": 1, "t": round(self.taken_at, 3), "s": self.horizon.text()}
        if self.delivered:
            document["d"] = sorted(self.delivered)
        if self.batch_horizon is not None:
            document["b"] = [self.batch_horizon.text(), self.batch_last_id]
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if not isinstance(text, str) or not text or len(text) > MAX_CURSOR_CHARS:
            raise BadCursor("no cursor")
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise BadCursor("not a cursor") from None
        if not isinstance(document, dict) or document.get("v") != 1:
            raise BadCursor("not a cursor")
        taken_at, snapshot = document.get("t"), document.get("s")
        delivered, batch = document.get("d", []), document.get("b")
        if not isinstance(taken_at, int | float) or isinstance(taken_at, bool) or not isinstance(snapshot, str):
            raise BadCursor("not a cursor")
        if not isinstance(delivered, list) or not all(_is_id(x) for x in delivered):
            raise BadCursor("not a cursor")
        cursor = cls(horizon=Horizon.parse(snapshot), taken_at=float(taken_at), delivered=frozenset(delivered))
        if batch is not None:
            if not (isinstance(batch, list) and len(batch) == 2 and isinstance(batch[0], str) and _is_id(batch[1])):
                raise BadCursor("not a cursor")
            cursor = cursor.in_batch(Horizon.parse(batch[0]), batch[1])
        return cursor


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
