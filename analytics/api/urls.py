from django.urls import path

from analytics.api.views import AnalyticsView, CallExportView
from restaurants.api.tenancy import BUSINESS_PREFIX

urlpatterns = [
    path(BUSINESS_PREFIX + "analytics/", AnalyticsView.as_view(), name="business-analytics"),
    path(BUSINESS_PREFIX + "calls/export.csv", CallExportView.as_view(), name="business-calls-export"),
]
