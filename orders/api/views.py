"""A business's orders (live operations: staff and up) and its menu (staff read it and mark sold-outs;
managers and owners write it). Nothing on the menu is deleted: DELETE answers 405."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from orders import selectors, services
from orders.api.serializers import (
    AvailabilityInput,
    MenuCategoryInput,
    MenuCategoryOutput,
    MenuItemInput,
    MenuItemOutput,
    ModifierGroupInput,
    ModifierGroupOutput,
    ModifierGroupUpdateInput,
    ModifierInput,
    ModifierOutput,
    ModifierUpdateInput,
    OrderDetailOutput,
    OrderFilter,
    OrderOutput,
    OrderPlaceInput,
    OrderTransitionInput,
)
from orders.models import OrderChannel
from restaurants.api.tenancy import Role, TenantViewSet, acting_user

# --- Orders ------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The business's orders, newest first, with their lines",
        parameters=[OrderFilter],
    ),
    retrieve=extend_schema(summary="One order: lines, options, totals, the call it came from, its history"),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Orders are placed (by the phone agent, or here by staff) and moved on; never edited or deleted."""

    tenant_roles = {"list": Role.STAFF, "retrieve": Role.STAFF, "create": Role.STAFF, "transition": Role.STAFF}
    lookup_url_kwarg = "order_id"
    cursor_ordering = ("-pk",)

    def get_serializer_class(self) -> type:
        return OrderOutput if self.action == "list" else OrderDetailOutput

    def get_queryset(self) -> QuerySet:
        if self.action != "list":
            return selectors.orders_for_business(self.business_id)
        filters = OrderFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        day = filters.validated_data.get("day")
        return selectors.orders_for_business(
            self.business_id,
            statuses=filters.validated_data.get("status", ()),
            pickup_day=day,
            tz=self.business.tz if day is not None else None,
        )

    def _detail(self, order_id: int) -> dict[str, Any]:
        order = selectors.orders_for_business(self.business_id).get(pk=order_id)
        return OrderDetailOutput(order, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Place an order taken at the counter or on the phone by staff (channel `staff`)",
        request=OrderPlaceInput,
        responses={201: OrderDetailOutput},
    )
    def create(self, request: Request, business_id: int) -> Response:
        data = self.parse(OrderPlaceInput)
        order = services.order_place(business=self.business, channel=OrderChannel.STAFF, **data)
        return Response(self._detail(order.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move an order on: accept (with a prep time), reject or cancel (with a reason), preparing, ...",
        request=OrderTransitionInput,
        responses=OrderDetailOutput,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, business_id: int, order_id: int) -> Response:
        data = self.parse(OrderTransitionInput)
        services.order_transition(business=self.business, order_id=order_id, by=acting_user(request), **data)
        return Response(self._detail(order_id))


# --- Menu --------------------------------------------------------------------------------------------


class MenuViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """What the menu's resources share: staff read, managers create and change, nothing is deleted."""

    tenant_roles = {"list": Role.STAFF, "retrieve": Role.STAFF, "create": Role.MANAGER,
                    "partial_update": Role.MANAGER}  # fmt: skip
    cursor_ordering = ("pk",)
    create_input: type
    update_input: type

    def create_row(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_row(self, row_id: int, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _shown(self, row_id: int) -> dict[str, Any]:
        return self.get_serializer(self.get_queryset().get(pk=row_id)).data

    def create(self, request: Request, business_id: int) -> Response:
        row = self.create_row(self.parse(self.create_input))
        return Response(self._shown(row.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, business_id: int, **kwargs: int) -> Response:
        row_id = kwargs[self.lookup_url_kwarg]
        self.update_row(row_id, self.parse(self.update_input, partial=True))
        return Response(self._shown(row_id))


def _menu_schema(noun: str, output: type, create_input: type, update_input: type) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"The menu's {noun}s (in the order they were added; `position` sorts them)"),
        retrieve=extend_schema(summary=f"One {noun}"),
        create=extend_schema(summary=f"Add a {noun}", request=create_input, responses={201: output}),
        partial_update=extend_schema(summary=f"Change a {noun}", request=update_input, responses=output),
    )


@_menu_schema("category", MenuCategoryOutput, MenuCategoryInput, MenuCategoryInput)
class MenuCategoryViewSet(MenuViewSet):
    serializer_class = MenuCategoryOutput
    lookup_url_kwarg = "category_id"
    create_input = update_input = MenuCategoryInput

    def get_queryset(self) -> QuerySet:
        return selectors.menu_categories_for_business(self.business_id)

    def create_row(self, data: dict[str, Any]) -> Any:
        return services.menu_category_create(business=self.business, **data)

    def update_row(self, row_id: int, data: dict[str, Any]) -> Any:
        return services.menu_category_update(business=self.business, category_id=row_id, **data)


@_menu_schema("item", MenuItemOutput, MenuItemInput, MenuItemInput)
class MenuItemViewSet(MenuViewSet):
    """Items with their groups of options; staff mark them sold out and back."""

    tenant_roles = {**MenuViewSet.tenant_roles, "availability": Role.STAFF}
    serializer_class = MenuItemOutput
    lookup_url_kwarg = "item_id"
    create_input = update_input = MenuItemInput

    def get_queryset(self) -> QuerySet:
        return selectors.menu_items_for_business(self.business_id)

    def create_row(self, data: dict[str, Any]) -> Any:
        return services.menu_item_create(business=self.business, **data)

    def update_row(self, row_id: int, data: dict[str, Any]) -> Any:
        return services.menu_item_update(business=self.business, item_id=row_id, **data)

    @extend_schema(
        summary="Mark an item sold out (86) or back on sale; staff may",
        request=AvailabilityInput,
        responses=MenuItemOutput,
    )
    @action(detail=True, methods=["post"])
    def availability(self, request: Request, business_id: int, item_id: int) -> Response:
        data = self.parse(AvailabilityInput)
        services.menu_item_set_available(business=self.business, item_id=item_id, **data)
        return Response(self._shown(item_id))


@_menu_schema("modifier group", ModifierGroupOutput, ModifierGroupInput, ModifierGroupUpdateInput)
class ModifierGroupViewSet(MenuViewSet):
    serializer_class = ModifierGroupOutput
    lookup_url_kwarg = "group_id"
    create_input, update_input = ModifierGroupInput, ModifierGroupUpdateInput

    def get_queryset(self) -> QuerySet:
        return selectors.modifier_groups_for_business(self.business_id)

    def create_row(self, data: dict[str, Any]) -> Any:
        return services.modifier_group_create(business=self.business, **data)

    def update_row(self, row_id: int, data: dict[str, Any]) -> Any:
        return services.modifier_group_update(business=self.business, group_id=row_id, **data)


@_menu_schema("modifier", ModifierOutput, ModifierInput, ModifierUpdateInput)
class ModifierViewSet(MenuViewSet):
    """The options of the groups; staff mark them sold out and back."""

    tenant_roles = {**MenuViewSet.tenant_roles, "availability": Role.STAFF}
    serializer_class = ModifierOutput
    lookup_url_kwarg = "modifier_id"
    create_input, update_input = ModifierInput, ModifierUpdateInput

    def get_queryset(self) -> QuerySet:
        return selectors.modifiers_for_business(self.business_id)

    def create_row(self, data: dict[str, Any]) -> Any:
        return services.modifier_create(business=self.business, **data)

    def update_row(self, row_id: int, data: dict[str, Any]) -> Any:
        return services.modifier_update(business=self.business, modifier_id=row_id, **data)

    @extend_schema(
        summary="Mark an option sold out or back on sale; staff may",
        request=AvailabilityInput,
        responses=ModifierOutput,
    )
    @action(detail=True, methods=["post"])
    def availability(self, request: Request, business_id: int, modifier_id: int) -> Response:
        data = self.parse(AvailabilityInput)
        services.modifier_set_available(business=self.business, modifier_id=modifier_id, **data)
        return Response(self._shown(modifier_id))
