"""Platform-level models."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Event(models.Model):
    """Outbox row: one change announced to a business's live feed (ids follow inserts, not commits)."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["business", "id"], name="event_business_id_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(type=""), name="event_type_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"
