"""A business's FAQ entries (what the agent answers callers), for its managers and owners.

Serializers, view and routes in one module: the resource is small, and the restaurants app's other
endpoints (profile, settings, members) live in their own modules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from panbot.api.serializers import InputSerializer
from restaurants import selectors, services
from restaurants.api.tenancy import BUSINESS_PREFIX, Role, TenantViewSet, tenant_router


class FaqEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    answer = serializers.CharField()
    is_active = serializers.BooleanField(help_text="False: kept, but the agent does not use it.")
    position = serializers.IntegerField(help_text="Order in lists and prompts (lowest first).")


class FaqEntryInput(InputSerializer):
    """An FAQ entry: on create `question` and `answer` are required; on PATCH only the fields sent change."""

    question = serializers.CharField(allow_blank=True, trim_whitespace=False)
    answer = serializers.CharField(allow_blank=True, trim_whitespace=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False)


@extend_schema_view(
    list=extend_schema(summary="The business's FAQ entries (in the order they were added; `position` sorts them)"),
    retrieve=extend_schema(summary="One FAQ entry"),
    create=extend_schema(summary="Add an FAQ entry", request=FaqEntryInput, responses={201: FaqEntryOutput}),
    partial_update=extend_schema(summary="Change an FAQ entry", request=FaqEntryInput, responses=FaqEntryOutput),
    destroy=extend_schema(summary="Remove an FAQ entry (or set is_active false to keep it)", responses={204: None}),
)
class FaqEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    tenant_roles = {"list": Role.MANAGER, "retrieve": Role.MANAGER, "create": Role.MANAGER,
                    "partial_update": Role.MANAGER, "destroy": Role.MANAGER}  # fmt: skip
    serializer_class = FaqEntryOutput
    lookup_url_kwarg = "entry_id"
    cursor_ordering = ("pk",)

    def get_queryset(self) -> QuerySet:
        return selectors.faq_entries_for_business(self.business_id)

    def _shown(self, entry_id: int) -> dict[str, Any]:
        return self.get_serializer(self.get_queryset().get(pk=entry_id)).data

    def create(self, request: Request, business_id: int) -> Response:
        entry = services.faq_entry_create(business=self.business, **self.parse(FaqEntryInput))
        return Response(self._shown(entry.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, business_id: int, entry_id: int) -> Response:
        services.faq_entry_update(business=self.business, entry_id=entry_id, **self.parse(FaqEntryInput, partial=True))
        return Response(self._shown(entry_id))

    def destroy(self, request: Request, business_id: int, entry_id: int) -> Response:
        services.faq_entry_delete(business=self.business, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


router = tenant_router()
router.register(BUSINESS_PREFIX + "faq", FaqEntryViewSet, basename="faq-entry")
urlpatterns = router.urls
