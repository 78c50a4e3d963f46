"""Printers (managers), reprints and print jobs of an order (staff), print agents and their device endpoints."""

from __future__ import annotations

import base64
from contextlib import AbstractContextManager
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from panbot.api.serializers import parse
from panbot.tenancy import business_scope
from printing import selectors, services
from printing.api.authentication import DeviceTokenAuthentication, IsPrintAgent
from printing.api.serializers import (
    AgentClaimInput,
    AgentClaimOutput,
    AgentReportInput,
    PrintAgentActiveInput,
    PrintAgentCreatedOutput,
    PrintAgentInput,
    PrintAgentOutput,
    PrinterInput,
    PrinterOutput,
    PrintJobOutput,
    ReprintInput,
    TestPrintInput,
)
from printing.models import Printer
from restaurants.api.tenancy import Role, ScopedView, TenantAPIView, TenantViewSet, acting_user


@extend_schema_view(
    list=extend_schema(summary="The business's printers and their state"),
    retrieve=extend_schema(summary="One printer"),
)
class PrinterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Printers are never deleted here (their jobs keep their history): deactivate them."""

    tenant_roles = {"list": Role.MANAGER, "retrieve": Role.MANAGER, "create": Role.MANAGER,
                    "partial_update": Role.MANAGER, "test": Role.MANAGER}  # fmt: skip
    serializer_class = PrinterOutput
    lookup_url_kwarg = "printer_id"
    cursor_ordering = ("name", "pk")

    def get_queryset(self):
        return selectors.business_printers(self.business_id)

    @extend_schema(summary="Add a printer", request=PrinterInput, responses={201: PrinterOutput})
    def create(self, request: Request, business_id: int) -> Response:
        printer = services.printer_save(printer=Printer(business_id=self.business_id, **self.parse(PrinterInput)))
        return Response(PrinterOutput(printer).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a printer's settings", request=PrinterInput, responses=PrinterOutput)
    def partial_update(self, request: Request, business_id: int, printer_id: int) -> Response:
        printer = self.get_object()
        for field, value in self.parse(PrinterInput, partial=True).items():
            setattr(printer, field, value)
        return Response(PrinterOutput(services.printer_save(printer=printer)).data)

    @extend_schema(summary="Print a test page", request=TestPrintInput, responses={202: PrintJobOutput})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, business_id: int, printer_id: int) -> Response:
        self.parse(TestPrintInput)
        job = services.printer_test(printer=self.get_object(), by=acting_user(request))
        return Response(PrintJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class OrderPrintJobsView(mixins.ListModelMixin, TenantAPIView):
    """The print jobs of one order, newest first: what printed, what failed and why."""

    tenant_roles = {"GET": Role.STAFF}
    serializer_class = PrintJobOutput
    cursor_ordering = ("-created_at", "-pk")

    def get_queryset(self):
        return selectors.order_print_jobs(self.business_id, self.kwargs["order_id"])

    @extend_schema(summary="The order's print jobs")
    def get(self, request: Request, business_id: int, order_id: int) -> Response:
        selectors.order_exists(self.business_id, order_id)
        return self.list(request)


class OrderReprintView(TenantAPIView):
    """A person asks for an order's ticket again (the board's reprint button)."""

    tenant_roles = {"POST": Role.STAFF}
    serializer_class = PrintJobOutput
    pagination_class = None

    @extend_schema(
        summary="Print the order's ticket again", request=ReprintInput, responses={202: PrintJobOutput(many=True)}
    )
    def post(self, request: Request, business_id: int, order_id: int) -> Response:
        data = self.parse(ReprintInput)
        jobs = services.order_ticket_reprint(
            business_id=self.business_id,
            order_id=order_id,
            kind=data["kind"],
            printer_id=data.get("printer"),
            by=acting_user(request),
        )
        return Response(PrintJobOutput(jobs, many=True).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(list=extend_schema(summary="The business's print agents"))
class PrintAgentViewSet(mixins.ListModelMixin, TenantViewSet):
    tenant_roles = {"list": Role.MANAGER, "create": Role.MANAGER, "partial_update": Role.MANAGER}
    serializer_class = PrintAgentOutput
    lookup_url_kwarg = "agent_id"
    cursor_ordering = ("name", "pk")

    def get_queryset(self):
        return selectors.business_print_agents(self.business_id)

    @extend_schema(
        summary="Add a print agent (its device token is in this answer only)",
        request=PrintAgentInput,
        responses={201: PrintAgentCreatedOutput},
    )
    def create(self, request: Request, business_id: int) -> Response:
        agent, token = services.print_agent_create(
            business_id=self.business_id, name=self.parse(PrintAgentInput)["name"]
        )
        agent.token = token  # type: ignore[attr-defined]
        return Response(PrintAgentCreatedOutput(agent).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke or restore a print agent", request=PrintAgentActiveInput, responses=PrintAgentOutput)
    def partial_update(self, request: Request, business_id: int, agent_id: int) -> Response:
        active = self.parse(PrintAgentActiveInput)["is_active"]
        agent = services.print_agent_set_active(agent=self.get_object(), active=active)
        return Response(PrintAgentOutput(agent).data)


class _AgentView(ScopedView, GenericAPIView):
    """What a print agent calls: authenticated by its device token, and runs in its own business's scope."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsPrintAgent]

    def tenancy(self, request: Any) -> AbstractContextManager[None]:
        return business_scope(request.auth.business_id)


class AgentClaimView(_AgentView):
    """A print agent takes its restaurant's jobs for relay printers (each job to one agent, for 60 s)."""

    serializer_class = AgentClaimOutput

    @extend_schema(summary="Claim print jobs (print agents)", request=AgentClaimInput, responses=AgentClaimOutput)
    def post(self, request: Request) -> Response:
        limit = parse(AgentClaimInput, request)["limit"]
        claimed = services.print_agent_claim(agent=request.auth, limit=limit)
        jobs = [
            {
                "id": c.job.pk,
                "kind": c.job.kind,
                "order_id": c.job.order_id,
                "attempt": c.job.attempts,
                "printer_id": c.job.printer_id,
                "printer_name": c.job.printer.name,
                "protocol": c.job.printer.protocol,
                "host": c.job.printer.host,
                "port": c.job.printer.port,
                "document": base64.b64encode(c.document).decode("ascii"),
            }
            for c in claimed
        ]
        return Response(AgentClaimOutput({"jobs": jobs}).data)


class AgentReportView(_AgentView):
    """A print agent reports how a claimed job went (the same report again changes nothing)."""

    serializer_class = PrintJobOutput

    @extend_schema(
        summary="Report a print job's outcome (print agents)", request=AgentReportInput, responses=PrintJobOutput
    )
    def post(self, request: Request, job_id: int) -> Response:
        data = parse(AgentReportInput, request)
        job = services.print_agent_report(
            agent=request.auth,
            job_id=job_id,
            attempt=data["attempt"],
            printed=data["printed"],
            status=data["printer_status"],
            error=data["error"],
            unconfirmed=data["unconfirmed"],
        )
        return Response(PrintJobOutput(job).data)
