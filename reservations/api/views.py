"""Bookings for the business's staff: the day's list, phone bookings, changes, status moves, free tables."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reservations import selectors, services
from reservations.api.serializers import (
    AvailabilityOutput,
    AvailabilityQuery,
    CancelInput,
    ReservationCreateInput,
    ReservationDetailOutput,
    ReservationFilters,
    ReservationOutput,
    ReservationUpdateInput,
    TransitionInput,
    availability,
)
from restaurants.api.tenancy import Role, TenantViewSet, acting_user


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="Bookings, soonest first", parameters=[ReservationFilters]),
    retrieve=extend_schema(summary="One booking with its status history", responses=ReservationDetailOutput),
)
class ReservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    tenant_roles = {
        "list": Role.STAFF, "retrieve": Role.STAFF, "create": Role.STAFF, "partial_update": Role.STAFF,
        "cancel": Role.STAFF, "transition": Role.STAFF, "availability": Role.STAFF,
    }  # fmt: skip
    lookup_url_kwarg = "reservation_id"
    cursor_ordering = ("starts_at", "pk")

    @property
    def error_statuses(self) -> dict[int, str]:  # for the schema (panbot.api.schema.AutoSchema)
        if self.action == "availability":
            return {400: "Not a date or party size, or one the business does not book (the sentence says why)."}
        return {}

    def get_serializer_class(self):
        return ReservationOutput if self.action == "list" else ReservationDetailOutput

    def get_queryset(self):
        if self.action == "list":
            return selectors.reservations_for_business(self.business, **_query(ReservationFilters, self.request))
        return selectors.reservations_with_history(self.business_id)

    def _detail(self, reservation_id: int) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=reservation_id)).data)

    @extend_schema(
        summary="Book a table (staff taking a booking): the agent's availability rules",
        request=ReservationCreateInput,
        responses={201: ReservationDetailOutput},
    )
    def create(self, request: Request, business_id: int) -> Response:
        reservation = services.reservation_book(business=self.business, **self.parse(ReservationCreateInput))
        response = self._detail(reservation.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="Move a booking or change its party size", request=ReservationUpdateInput,
                   responses=ReservationDetailOutput)  # fmt: skip
    def partial_update(self, request: Request, business_id: int, reservation_id: int) -> Response:
        changes = self.parse(ReservationUpdateInput)
        services.reservation_update(business=self.business, reservation_id=reservation_id, **changes)
        return self._detail(reservation_id)

    @extend_schema(summary="Cancel a booking (before it starts)", request=CancelInput,
                   responses=ReservationDetailOutput)  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, business_id: int, reservation_id: int) -> Response:
        reason = self.parse(CancelInput).get("reason", "")
        services.reservation_cancel(
            business=self.business, reservation_id=reservation_id, by=acting_user(request), reason=reason
        )
        return self._detail(reservation_id)

    @extend_schema(
        summary="Confirm, seat, complete or mark a no-show",
        request=TransitionInput,
        responses=ReservationDetailOutput,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, business_id: int, reservation_id: int) -> Response:
        data = self.parse(TransitionInput)
        services.reservation_transition(
            business=self.business, reservation_id=reservation_id, to_status=data["to_status"],
            by=acting_user(request), reason=data.get("reason", ""),
        )  # fmt: skip
        return self._detail(reservation_id)

    @extend_schema(
        summary="Free start times on a day for a party size",
        parameters=[AvailabilityQuery],
        responses=AvailabilityOutput,
    )
    @action(detail=False, methods=["get"])
    def availability(self, request: Request, business_id: int) -> Response:
        query = _query(AvailabilityQuery, request)
        starts = selectors.reservation_availability(
            business=self.business, date=query["date"], party_size=query["party_size"]
        )
        data = availability(query["date"], query["party_size"], starts)
        return Response(AvailabilityOutput(data, context=self.get_serializer_context()).data)
