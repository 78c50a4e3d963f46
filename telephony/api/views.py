"""A business's numbers and calls: its people list numbers and configure the agent, watch live calls, read the history.

The platform creates and assigns numbers (telephony/api/platform/).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from panbot.api.serializers import parse_query
from restaurants.api.tenancy import Role, TenantViewSet, acting_user
from telephony import selectors, services
from telephony.api.serializers import (
    CallDetailOutput,
    CallFilterInput,
    CallOutput,
    LiveCallOutput,
    NumberOutput,
    NumberUpdateInput,
)


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


@extend_schema_view(
    list=extend_schema(
        summary="Calls holding a slot now: caller, number, start and duration so far",
        description="Oldest first. The staff see it too: it is the live feed's list of calls as they happen.",
    ),
)
class LiveCallViewSet(mixins.ListModelMixin, TenantViewSet):
    tenant_roles = {"list": Role.STAFF}
    serializer_class = LiveCallOutput
    cursor_ordering = ("pk",)

    def get_queryset(self):
        return selectors.business_live_calls(self.business_id)


@extend_schema_view(
    list=extend_schema(
        summary="The call history, newest first, filtered",
        description="Rejected calls are included; `reason` says why. Dates are the business's local days.",
        parameters=[CallFilterInput],
    ),
    retrieve=extend_schema(
        summary="One call: transcript, usage, and the orders and bookings it made", responses=CallDetailOutput
    ),
)
class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    tenant_roles = {"list": Role.MANAGER, "retrieve": Role.MANAGER}
    serializer_class = CallOutput
    lookup_url_kwarg = "call_id"
    cursor_ordering = ("-started_at", "-pk")

    def get_serializer_class(self):
        return CallDetailOutput if self.action == "retrieve" else CallOutput

    def get_queryset(self):
        if self.action != "list":
            return selectors.business_calls(self.business_id)
        filters = parse_query(CallFilterInput, self.request)
        number_id = filters.get("number")
        if number_id is not None and not selectors.number_known_to_business(self.business_id, number_id):
            raise ValidationError({"number": ["This business has no number with this id."]})
        return selectors.call_history(
            self.business,
            day_from=filters.get("from"),
            day_to=filters.get("to"),
            sip_number_id=number_id,
            status=filters.get("status"),
            reason=filters.get("reason"),
            caller=filters.get("caller"),
        )
