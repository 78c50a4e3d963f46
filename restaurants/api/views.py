"""A business as its people see and configure it: profile, agent defaults, hours, closures, settings, members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from orders import services as order_services
from orders.models import OrderSettings
from orders.selectors import order_settings_get
from panbot.api.pagination import CursorPagination
from reservations import services as reservation_services
from reservations.models import ReservationSettings
from reservations.selectors import reservation_settings_get
from restaurants import selectors, services
from restaurants.api.serializers import (
    BusinessOutput,
    BusinessUpdateInput,
    ClosureInput,
    ClosureOutput,
    HoursInput,
    HoursOutput,
    MemberAddInput,
    MemberOutput,
    MemberRoleInput,
    OrderSettingsInput,
    OrderSettingsOutput,
    ReservationSettingsInput,
    ReservationSettingsOutput,
    as_periods,
)
from restaurants.api.tenancy import Role, TenantAPIView, TenantViewSet


class BusinessView(TenantAPIView):
    tenant_roles = {"GET": Role.STAFF, "PATCH": Role.MANAGER}

    @extend_schema(tags=["business"], summary="The business's profile and agent defaults", responses=BusinessOutput)
    def get(self, request: Request, business_id: int) -> Response:
        return Response(BusinessOutput(self.business).data)

    @extend_schema(
        tags=["business"],
        summary="Change the business's name, contact details, time zone, languages or agent defaults",
        request=BusinessUpdateInput,
        responses=BusinessOutput,
    )
    def patch(self, request: Request, business_id: int) -> Response:
        business = services.business_update(business=self.business, changes=self.parse(BusinessUpdateInput))
        return Response(BusinessOutput(business).data)


class HoursView(TenantAPIView):
    tenant_roles = {"GET": Role.STAFF, "PUT": Role.MANAGER}

    @extend_schema(tags=["hours"], summary="The weekly opening hours", responses=HoursOutput)
    def get(self, request: Request, business_id: int) -> Response:
        return Response(HoursOutput({"periods": selectors.business_hours(self.business_id)}).data)

    @extend_schema(
        tags=["hours"],
        summary="Replace the weekly opening hours (overlapping periods are refused)",
        request=HoursInput,
        responses=HoursOutput,
    )
    def put(self, request: Request, business_id: int) -> Response:
        services.opening_hours_replace(business=self.business, periods=as_periods(self.parse(HoursInput)))
        return Response(HoursOutput({"periods": selectors.business_hours(self.business_id)}).data)


@extend_schema_view(
    list=extend_schema(summary="Whole-day closures (holidays, private events), by date"),
    destroy=extend_schema(summary="Reopen a closed date (its weekly hours apply again)"),
)
class ClosureViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantViewSet):
    tenant_roles = {"list": Role.STAFF, "create": Role.MANAGER, "destroy": Role.MANAGER}
    serializer_class = ClosureOutput
    lookup_url_kwarg = "closure_id"
    cursor_ordering = ("date",)  # one closure a date per business

    def get_queryset(self):
        return selectors.business_closures(self.business_id)

    @extend_schema(summary="Close all day on a date", request=ClosureInput, responses={201: ClosureOutput})
    def create(self, request: Request, business_id: int) -> Response:
        closure = services.closure_set(business=self.business, **self.parse(ClosureInput))
        return Response(ClosureOutput(closure).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance) -> None:
        services.closure_remove(closure=instance)


class OrderSettingsView(TenantAPIView):
    tenant_roles = {"GET": Role.STAFF, "PATCH": Role.MANAGER}

    def _current(self) -> OrderSettings:
        return order_settings_get(self.business) or OrderSettings(business=self.business, accepting_orders=False)

    @extend_schema(
        tags=["order settings"], summary="How the business takes phone orders", responses=OrderSettingsOutput
    )
    def get(self, request: Request, business_id: int) -> Response:
        return Response(OrderSettingsOutput(self._current()).data)

    @extend_schema(
        tags=["order settings"],
        summary="Change how the business takes phone orders",
        request=OrderSettingsInput,
        responses=OrderSettingsOutput,
    )
    def patch(self, request: Request, business_id: int) -> Response:
        changes = self.parse(OrderSettingsInput)
        settings = order_services.order_settings_update(business=self.business, changes=changes)
        return Response(OrderSettingsOutput(settings).data)


class ReservationSettingsView(TenantAPIView):
    tenant_roles = {"GET": Role.STAFF, "PATCH": Role.MANAGER}

    def _current(self) -> ReservationSettings:
        current = reservation_settings_get(self.business)
        return current or ReservationSettings(business=self.business, accepting_reservations=False)

    @extend_schema(
        tags=["reservation settings"], summary="How the business takes bookings", responses=ReservationSettingsOutput
    )
    def get(self, request: Request, business_id: int) -> Response:
        return Response(ReservationSettingsOutput(self._current()).data)

    @extend_schema(
        tags=["reservation settings"],
        summary="Change how the business takes bookings (bookings already made stay as they are)",
        request=ReservationSettingsInput,
        responses=ReservationSettingsOutput,
    )
    def patch(self, request: Request, business_id: int) -> Response:
        changes = self.parse(ReservationSettingsInput)
        settings = reservation_services.reservation_settings_update(business=self.business, changes=changes)
        return Response(ReservationSettingsOutput(settings).data)


class MemberPagination(CursorPagination):
    page_size = 100  # a business's people fit on one page


@extend_schema_view(list=extend_schema(summary="The business's members and their roles"))
class MemberViewSet(mixins.ListModelMixin, TenantViewSet):
    """Owners manage who works here. A role change or a removal ends that user's sessions at once."""

    tenant_roles = {"list": Role.OWNER, "create": Role.OWNER, "partial_update": Role.OWNER, "destroy": Role.OWNER}
    serializer_class = MemberOutput
    lookup_url_kwarg = "user_id"
    lookup_field = "user_id"
    cursor_ordering = ("pk",)
    pagination_class = MemberPagination

    def get_queryset(self):
        return selectors.business_members(self.business_id)

    def _member(self, user_id: int) -> Response:
        return Response(MemberOutput(selectors.business_members(self.business_id).get(user_id=user_id)).data)

    @extend_schema(
        summary="Add an existing user by username or e-mail address, with a role",
        request=MemberAddInput,
        responses={201: MemberOutput},
    )
    def create(self, request: Request, business_id: int) -> Response:
        data = self.parse(MemberAddInput)
        membership = services.member_add(business=self.business, login=data["user"], role=data["role"])
        return Response(self._member(membership.user_id).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a member's role", request=MemberRoleInput, responses=MemberOutput)
    def partial_update(self, request: Request, business_id: int, user_id: int) -> Response:
        role = self.parse(MemberRoleInput)["role"]
        services.member_role_set(business=self.business, user_id=user_id, role=role)
        return self._member(user_id)

    @extend_schema(summary="Remove a member (never the last owner)", responses={204: None})
    def destroy(self, request: Request, business_id: int, user_id: int) -> Response:
        services.member_remove(business=self.business, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
