"""Businesses for the platform's stakeholders: list across tenants, create, deactivate, reactivate."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from panbot.api.serializers import NoInput, parse_query
from restaurants import selectors, services
from restaurants.api.platform.serializers import (
    PlatformBusinessCreateInput,
    PlatformBusinessFilterInput,
    PlatformBusinessOutput,
)
from restaurants.api.tenancy import PlatformViewSet


@extend_schema_view(
    list=extend_schema(
        summary="Every business, with its numbers and live calls", parameters=[PlatformBusinessFilterInput]
    ),
    retrieve=extend_schema(summary="One business"),
)
class PlatformBusinessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """Businesses are never deleted (calls, orders and history hang off them): deactivate instead."""

    serializer_class = PlatformBusinessOutput
    lookup_url_kwarg = "business_pk"
    cursor_ordering = ("slug",)

    def get_queryset(self):
        if self.action != "list":
            return selectors.platform_businesses()
        filters = parse_query(PlatformBusinessFilterInput, self.request)
        return selectors.platform_businesses(active=filters.get("active"), search=filters.get("search", ""))

    def _shown(self, business_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        business = selectors.platform_businesses().get(pk=business_id)
        return Response(self.get_serializer(business).data, status=status_code)

    @extend_schema(
        summary="Add a business", request=PlatformBusinessCreateInput, responses={201: PlatformBusinessOutput}
    )
    def create(self, request: Request) -> Response:
        business = services.business_create(**self.parse(PlatformBusinessCreateInput))
        return self._shown(business.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Deactivate a business: its numbers refuse new calls (calls in progress finish)",
        request=NoInput,
        responses=PlatformBusinessOutput,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, business_pk: int) -> Response:
        self.parse(NoInput)
        services.business_set_active(business=self.get_object(), is_active=False)
        return self._shown(business_pk)

    @extend_schema(summary="Reactivate a business", request=NoInput, responses=PlatformBusinessOutput)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, business_pk: int) -> Response:
        self.parse(NoInput)
        services.business_set_active(business=self.get_object(), is_active=True)
        return self._shown(business_pk)
