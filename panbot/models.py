"""Platform-level models."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panbot.inputs import UNSTORABLE_CODE, storable, unstorable_message
from panbot.tenancy import tenant_manager


class StorableText(models.Model):
    """Abstract base: `full_clean` refuses text PostgreSQL cannot store (a NUL) in any char or text field.

    Forms already refuse NUL, but services validate rows built by other callers too; without this
    such a row would reach the database and fail there with a DataError. It adds no field, so
    migrations do not see it.
    """

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in errors or (exclude and field.name in exclude):
                continue
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str) and not storable(value):
                    errors[field.name] = [ValidationError(unstorable_message("This text"), code=UNSTORABLE_CODE)]
        if errors:
            raise ValidationError(errors)


class StatusChange(models.Model):
    """Abstract base: one step of a row's append-only status history (from, to, who, why, when).

    A subclass adds the link to its row (named as `panbot.lifecycle.Lifecycle.noun`), restates
    `to_status` with its statuses as choices and takes its constraints from `status_constraints`.
    """

    # How the history shows the first status, which has no `from_status` ("placed -> new").
    FIRST = "created"

    from_status = models.CharField(
        max_length=16, blank=True, help_text="Empty for the first step, when the row was created."
    )
    to_status = models.CharField(max_length=16)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_status or self.FIRST} -> {self.to_status}"

    @staticmethod
    def status_constraints(prefix: str, statuses: Iterable[str]) -> list[models.CheckConstraint]:
        """Both ends of every step are statuses of the row (`from_status` empty for the first), in the database too."""
        values = list(statuses)
        return [
            models.CheckConstraint(condition=models.Q(to_status__in=values), name=f"{prefix}_to_status_valid"),
            models.CheckConstraint(
                condition=models.Q(from_status__in=["", *values]), name=f"{prefix}_from_status_valid"
            ),
        ]


class CurrentTransactionId(models.Func):
    """`pg_current_xact_id()`: the inserting transaction's 64-bit id (NULL on SQLite, which serialises writers)."""

    function = "pg_current_xact_id"
    template = "%(function)s()"
    arity = 0

    def __init__(self) -> None:
        super().__init__(output_field=models.BigIntegerField())

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        return "NULL", []


class TransactionIdField(models.BigIntegerField):  # type: ignore[type-arg]  # django-stubs' generic field
    """PostgreSQL `xid8` (a plain integer elsewhere), read back as an int."""

    def db_type(self, connection: Any) -> str:
        return "xid8" if connection.vendor == "postgresql" else "bigint"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> int | None:
        return None if value is None else int(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return None if value is None else str(value) if connection.vendor == "postgresql" else value


class Event(models.Model):
    """Outbox row: one change announced to a business's live feed (ids follow inserts, not commits)."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    # The transaction that inserted the row, set by the database (also for rows inserted with
    # raw SQL): the feed compares it with pg_current_snapshot() to know which events committed,
    # since ids do not follow commits (see panbot.feed.cursor).
    xid = TransactionIdField(db_default=CurrentTransactionId(), null=True, editable=False)

    objects: models.Manager[Event] = tenant_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["business", "id"], name="event_business_id_idx"),
            models.Index(fields=["business", "xid"], name="event_business_xid_idx"),
            models.Index(fields=["created_at"], name="event_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(type=""), name="event_type_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"
