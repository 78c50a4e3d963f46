from django.urls import path

from printing.api.views import (
    AgentClaimView,
    AgentReportView,
    OrderPrintJobsView,
    OrderReprintView,
    PrintAgentViewSet,
    PrinterViewSet,
)
from restaurants.api.tenancy import BUSINESS_PREFIX, tenant_router

router = tenant_router()
router.register(BUSINESS_PREFIX + "printers", PrinterViewSet, basename="printer")
router.register(BUSINESS_PREFIX + "print-agents", PrintAgentViewSet, basename="print-agent")

urlpatterns = [
    *router.urls,
    path(BUSINESS_PREFIX + "orders/<int:order_id>/print-jobs/", OrderPrintJobsView.as_view(), name="order-print-jobs"),
    path(BUSINESS_PREFIX + "orders/<int:order_id>/print/", OrderReprintView.as_view(), name="order-reprint"),
    path("print-agent/claim/", AgentClaimView.as_view(), name="print-agent-claim"),
    path("print-agent/jobs/<int:job_id>/result/", AgentReportView.as_view(), name="print-agent-report"),
]
