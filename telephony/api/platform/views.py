"""The platform's numbers, trunks and live calls: every tenant's, for stakeholders, through the admin's services.

Assigning writes the number's history (NumberAssignment, with the stakeholder as `assigned_by`)
exactly as the admin's actions do: both call `telephony.services`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from panbot.api.serializers import NoInput, parse_query
from restaurants import selectors as restaurant_selectors
from restaurants.api.tenancy import PlatformViewSet, acting_user
from restaurants.models import Business
from telephony import selectors, services
from telephony.api.platform.serializers import (
    AssignInput,
    LiveCallFilterInput,
    PlatformLiveCallOutput,
    PlatformNumberCreateInput,
    PlatformNumberFilterInput,
    PlatformNumberOutput,
    PlatformNumberUpdateInput,
    TrunkCreateInput,
    TrunkOutput,
    TrunkUpdateInput,
)
from telephony.models import PbxTrunk

UNKNOWN_BUSINESS = "There is no business with this id."
UNKNOWN_TRUNK = "There is no trunk with this id."


def _business(business_id: int) -> Business:
    business = restaurant_selectors.business_get(business_id)
    if business is None:
        raise ValidationError({"business": [UNKNOWN_BUSINESS]})
    return business


def _trunk(data: dict[str, Any]) -> None:
    """Replace a trunk id in `data` by the trunk (null stays null)."""
    if data.get("trunk") is not None:
        data["trunk"] = selectors.trunk_get(data["trunk"])
        if data["trunk"] is None:
            raise ValidationError({"trunk": [UNKNOWN_TRUNK]})


@extend_schema_view(
    list=extend_schema(summary="Every number, with its holder and live calls", parameters=[PlatformNumberFilterInput]),
    retrieve=extend_schema(summary="One number"),
)
class PlatformNumberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """Numbers are never deleted (they keep their history): deactivate or unassign them instead."""

    serializer_class = PlatformNumberOutput
    lookup_url_kwarg = "number_id"
    cursor_ordering = ("number",)

    @property
    def error_statuses(self) -> dict[int, str]:  # for the schema
        return {409: "Another business holds the number: reassign it instead."} if self.action == "assign" else {}

    def get_queryset(self):
        if self.action != "list":
            return selectors.platform_numbers()
        filters = parse_query(PlatformNumberFilterInput, self.request)
        return selectors.platform_numbers(
            business_id=filters.get("business"),
            active=filters.get("active"),
            assigned=filters.get("assigned"),
            search=filters.get("search", ""),
        )

    def _shown(self, number_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        number = selectors.platform_numbers().get(pk=number_id)
        return Response(self.get_serializer(number).data, status=status_code)

    @extend_schema(
        summary="Add a number (to the pool, or assigned at once)",
        request=PlatformNumberCreateInput,
        responses={201: PlatformNumberOutput},
    )
    def create(self, request: Request) -> Response:
        data = self.parse(PlatformNumberCreateInput)
        if data.get("business") is not None:
            data["business"] = _business(data["business"])
        _trunk(data)
        number = services.number_create(by=acting_user(request), **data)
        return self._shown(number.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a number's label, trunk, active flag, call limit or agent settings",
        request=PlatformNumberUpdateInput,
        responses=PlatformNumberOutput,
    )
    def partial_update(self, request: Request, number_id: int) -> Response:
        changes = self.parse(PlatformNumberUpdateInput)
        _trunk(changes)
        services.number_update(
            sip_number=self.get_object(),
            by=acting_user(request),
            config_override_patch=changes.pop("config_override", None),
            **changes,
        )
        return self._shown(number_id)

    @extend_schema(
        summary="Assign a number from the pool to a business",
        description="A no-op when the business already holds it; 409 when another business does (reassign it).",
        request=AssignInput,
        responses=PlatformNumberOutput,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, number_id: int) -> Response:
        business = _business(self.parse(AssignInput)["business"])
        services.number_assign(sip_number=self.get_object(), business=business, by=acting_user(request),
                               only_from_pool=True)  # fmt: skip
        return self._shown(number_id)

    @extend_schema(
        summary="Move a number to another business (ending its current assignment)",
        description="Calls in progress stay with the previous holder until they end; new calls go to the new one.",
        request=AssignInput,
        responses=PlatformNumberOutput,
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, number_id: int) -> Response:
        business = _business(self.parse(AssignInput)["business"])
        services.number_assign(sip_number=self.get_object(), business=business, by=acting_user(request))
        return self._shown(number_id)

    @extend_schema(
        summary="Return a number to the pool", description="A no-op when it is in the pool.", request=NoInput,
        responses=PlatformNumberOutput,
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def unassign(self, request: Request, number_id: int) -> Response:
        self.parse(NoInput)
        services.number_unassign(sip_number=self.get_object(), by=acting_user(request))
        return self._shown(number_id)


@extend_schema_view(list=extend_schema(summary="PBX and carrier trunks"), retrieve=extend_schema(summary="One trunk"))
class TrunkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """Trunks are never deleted (numbers and LiveKit's trunk hang off them): deactivate instead."""

    serializer_class = TrunkOutput
    lookup_url_kwarg = "trunk_id"
    cursor_ordering = ("name",)

    def get_queryset(self):
        return selectors.platform_trunks()

    def _shown(self, trunk: PbxTrunk, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=trunk.pk)).data, status=status_code)

    @extend_schema(summary="Add a trunk", request=TrunkCreateInput, responses={201: TrunkOutput})
    def create(self, request: Request) -> Response:
        trunk = services.trunk_create(**self.parse(TrunkCreateInput))
        return self._shown(trunk, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a trunk", request=TrunkUpdateInput, responses=TrunkOutput)
    def partial_update(self, request: Request, trunk_id: int) -> Response:
        trunk = services.trunk_update(trunk=self.get_object(), **self.parse(TrunkUpdateInput))
        return self._shown(trunk)


@extend_schema_view(
    list=extend_schema(summary="Live calls across every business, oldest first", parameters=[LiveCallFilterInput])
)
class PlatformLiveCallViewSet(mixins.ListModelMixin, PlatformViewSet):
    serializer_class = PlatformLiveCallOutput
    cursor_ordering = ("pk",)

    def get_queryset(self):
        return selectors.platform_live_calls(business_id=parse_query(LiveCallFilterInput, self.request).get("business"))
