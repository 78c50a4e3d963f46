"""A business's numbers: its people list them and configure the agent; the platform creates and assigns them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from restaurants.api.tenancy import Role, TenantViewSet, acting_user
from telephony import selectors, services
from telephony.api.serializers import NumberOutput, NumberUpdateInput


@extend_schema_view(
    list=extend_schema(summary="The business's phone numbers, with live calls and the agent's effective settings"),
    retrieve=extend_schema(summary="One of the business's numbers"),
)
class NumberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """No create, delete or reassignment here: numbers are the platform's (admin, platform API)."""

    tenant_roles = {"list": Role.STAFF, "retrieve": Role.STAFF, "partial_update": Role.MANAGER}
    serializer_class = NumberOutput
    lookup_url_kwarg = "number_id"
    cursor_ordering = ("number",)

    def get_queryset(self):
        return selectors.business_numbers(self.business_id)

    @extend_schema(
        summary="Change a number's label, active flag or agent settings",
        request=NumberUpdateInput,
        responses=NumberOutput,
    )
    def partial_update(self, request: Request, business_id: int, number_id: int) -> Response:
        changes = self.parse(NumberUpdateInput)
        services.number_update(
            sip_number=self.get_object(),
            by=acting_user(request),
            config_override_patch=changes.pop("config_override", None),
            **changes,
        )
        return Response(self.get_serializer(self.get_object()).data)
