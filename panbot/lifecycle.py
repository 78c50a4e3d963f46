"""Status lifecycles shared by orders and bookings: the allowed moves, how a refused move is said,
and the one way a move is made (checked, locked, recorded, announced).

An app declares its `Lifecycle` (statuses, moves, sentences, history model, event payload);
`order_transition` and `reservation_transition` are `Lifecycle.transition` on a row of the
business. Imports no app: who may act and what the event carries come with the declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from panbot.errors import ErrorCollector, NotFound
from panbot.events import emit
from panbot.inputs import as_id
from panbot.models import StatusChange

REASON_MAX = 200
# The refusals every lifecycle shares: {subject} names the row ("Order #12", "This reservation"),
# {current} its status as said after "is".
ALREADY = "{subject} is already {current}."
FINAL = "{subject} is {current}; it cannot change any more."

Row = TypeVar("Row", bound=models.Model)


def locked_row(model: type[Row], *, business: Any, row_id: Any, noun: str) -> Row:
    """The row `row_id` of `business`, locked until the transaction ends; NotFound otherwise.

    Another business's row is not found either (never say whose). Only the row is locked: a
    join on the business would lock its row too, and call admission waits on that one.
    """
    pk = as_id(row_id)
    rows = model._default_manager.select_for_update().filter(business=business, pk=pk)
    row = rows.first() if pk is not None else None
    if row is None:
        raise NotFound({f"{noun}_id": [f"We could not find that {noun}."]})
    row.business = business  # the same row (filtered on it): payloads read its zone without a query
    return row


def clean_reason(reason: object) -> str:
    """Why a status changed, as typed by staff: stripped, bounded, storable; raises ValidationError."""
    errors = ErrorCollector()
    text = errors.text(
        "reason", reason, max_length=REASON_MAX, what="The reason",
        too_long=f"Keep the reason under {REASON_MAX} characters.",
    )  # fmt: skip
    errors.raise_if_any()
    return text


@dataclass(frozen=True)
class Lifecycle(Generic[Row]):
    """One kind of row's statuses: which moves are allowed, how refusals are said, how a move is made.

    `noun` ("order") names the id argument and NotFound's field (`order_id`), the sentence
    `We could not find that order.`, the event (`order.updated`) and the history's link to
    its row (`OrderStatusChange.order`). `said` lists every status, in order, as said after
    "is" ("accepted", "marked as a no-show").
    """

    noun: str
    model: type[Row]
    history: type[StatusChange]
    moves: Mapping[str, frozenset[str]]
    said: Mapping[str, str]
    unknown: str  # "'{status}' is not an order status."
    subject: Callable[[Row], str]
    # A move from an open status the table does not allow: {subject}, {current}, {target} and
    # {allowed} (the moves it does allow, "accepted or cancelled").
    off_path: str
    payload: Callable[..., Mapping[str, Any]]  # (row, previous_status=...) -> the event's payload
    may_act: Callable[[Any, int], bool]  # (by, business id): a member, a stakeholder, or None (the platform)
    targets: Mapping[str, str] = field(default_factory=dict)  # a status said as a target, when unlike `said`
    finals: Mapping[str, str] = field(default_factory=dict)  # a final status's own refusal, when unlike FINAL
    rule: Callable[[Row, str], str | None] | None = None  # a refusal beyond the table, once the row is locked

    def refusal(self, row: Row, to_status: str) -> str | None:
        """Why `row` cannot move to `to_status` (a status), or None when it can."""
        current = row.status
        allowed = self.moves[current]
        if to_status in allowed:
            return self.rule(row, to_status) if self.rule else None
        if current == to_status:
            template = ALREADY
        elif not allowed:
            template = self.finals.get(current, FINAL)
        else:
            template = self.off_path
        return template.format(
            subject=self.subject(row),
            current=self.said[current],
            target=self.targets.get(to_status, self.said[to_status]),
            allowed=" or ".join(said for status, said in self.said.items() if status in allowed),
        )

    def record(self, row: Row, previous: str, *, by: Any = None, reason: str = "") -> StatusChange:
        """Append the step `previous` -> `row.status` to the row's history ("" for its first status)."""
        return self.history._default_manager.create(
            **{self.noun: row}, from_status=previous, to_status=row.status, changed_by=by, reason=reason
        )

    def transition(
        self,
        *,
        business: Any,
        row_id: Any,
        to_status: str,
        by: Any = None,
        reason: str = "",
        also: Callable[[Row], Iterable[str]] | None = None,
    ) -> Row:
        """Move the row `row_id` of `business` to `to_status`; records the step and emits `<noun>.updated`.

        Run inside the service's transaction. The row is locked and its status read under the
        lock, so two staff changing it at once are applied one after the other. Raises
        ValidationError for an unknown status, a bad reason or a refused move, NotFound for a
        row of another business (or none) and for a `by` who may not act for `business`.
        `also(row)`, once the move is allowed, changes more of the locked row (an accepted
        order's pickup time) and returns the fields it changed; they are saved with the status
        and the event carries them.
        """
        if not isinstance(to_status, str) or to_status not in self.moves:
            raise ValidationError({"to_status": [self.unknown.format(status=to_status)]})
        if not self.may_act(by, business.pk):
            raise NotFound({f"{self.noun}_id": [f"We could not find that {self.noun}."]})
        reason = clean_reason(reason)
        row = locked_row(self.model, business=business, row_id=row_id, noun=self.noun)
        refusal = self.refusal(row, to_status)
        if refusal:
            raise ValidationError({"to_status": [refusal]})
        previous = row.status
        row.status = to_status
        changed = list(also(row)) if also is not None else []
        row.save(update_fields=["status", "updated_at", *changed])
        self.record(row, previous, by=by, reason=reason)
        emit(business, f"{self.noun}.updated", self.payload(row, previous_status=previous))
        return row
