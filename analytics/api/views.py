"""Analytics and the call history's CSV export: owners and managers only."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import export, selectors
from analytics.api.serializers import AnalyticsOutput, AnalyticsQuery
from restaurants.api.tenancy import Role, TenantAPIView
from telephony.call_filters import CallFilterQuery, parse_call_filters


def _query_parameters(serializer_class: type) -> list[OpenApiParameter]:
    fields = serializer_class(today=None).fields
    return [
        OpenApiParameter(
            name,
            OpenApiTypes.DATE if name in {"from", "to"} else OpenApiTypes.INT if name == "number" else OpenApiTypes.STR,
            required=False,
            description=str(field.help_text or ""),
            enum=list(field.choices) if hasattr(field, "choices") else None,
        )
        for name, field in fields.items()
    ]


class AnalyticsView(TenantAPIView):
    """Calls, outcomes, durations, busiest hours, sales on calls: read from hourly rollups."""

    tenant_roles = {"GET": Role.MANAGER}
    error_statuses = (400,)

    @extend_schema(
        summary="Call analytics for a date range, compared with the period before it",
        parameters=_query_parameters(AnalyticsQuery),
        responses=AnalyticsOutput,
    )
    def get(self, request: Request, business_id: int) -> Response:
        business = self.business
        filters = parse_call_filters(
            request.query_params, business_id=business.pk, tz=business.tz, serializer_class=AnalyticsQuery
        )
        scope = selectors.AnalyticsScope(
            business_id=business.pk,
            timezone=business.timezone,
            first=filters.first,
            last=filters.last,
            sip_number_id=filters.sip_number_id,
        )
        report: dict[str, Any] = dict(selectors.analytics_report(scope, currency=business.currency))
        report["range"] = {"from": filters.first, "to": filters.last}
        return Response(AnalyticsOutput(report).data)


class CsvRenderer(BaseRenderer):
    """Lets a client ask for text/csv; errors are still JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data)


class CallExportView(TenantAPIView):
    """The call history as CSV, streamed (no row limit), with the history's filters."""

    tenant_roles = {"GET": Role.MANAGER}
    error_statuses = (400,)
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        summary="Export the call history as CSV",
        parameters=_query_parameters(CallFilterQuery),
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per call.")},
    )
    def get(self, request: Request, business_id: int) -> StreamingHttpResponse:
        business = self.business
        filters = parse_call_filters(request.query_params, business_id=business.pk, tz=business.tz)
        response = StreamingHttpResponse(
            export.call_csv_lines(
                export.calls_for_export(business_id=business.pk, filters=filters, tz=business.tz), tz=business.tz
            ),
            content_type="text/csv; charset=utf-8",
        )
        name = f"calls-{business.slug}-{filters.first:%Y%m%d}-{filters.last:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
